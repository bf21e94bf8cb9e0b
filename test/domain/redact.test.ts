import { redactDeep, redactText, secretsFromEnvironment } from '../../src/domain/redact';
import { dotEnvWithSecrets, SECRET_SHAPES, secretValues } from '../helpers/secret-shapes';

describe('redaction', () => {
  it('removes known secret values and well-known key shapes', () => {
    const key = `sk-ant-api03-${'x'.repeat(40)}`;
    expect(redactText(`key=${key} pass=hunter22hunter`, ['hunter22hunter'])).toBe('key=[REDACTED] pass=[REDACTED]');
    expect(redactText('AKIAABCDEFGHIJKLMNOP')).toBe('[REDACTED]');
  });

  it('redacts every string of a nested value and leaves the rest alone', () => {
    expect(redactDeep({ a: ['topsecretvalue', 3], b: { c: 'fine' } }, ['topsecretvalue'])).toEqual({
      a: ['[REDACTED]', 3],
      b: { c: 'fine' },
    });
  });

  it('takes secrets from the environment by name, ignoring short values', () => {
    expect(
      secretsFromEnvironment({ ANTHROPIC_API_KEY: 'longenoughvalue', GITHUB_TOKEN: 'short', HOME: '/root/home/dir' }),
    ).toEqual(['longenoughvalue']);
  });

  it("takes the database URL's password, as written and decoded, and not a short one", () => {
    expect(secretsFromEnvironment({ LUCID_DATABASE_URL: 'postgres://lucid:p%40ss-w0rd-long@db:5432/lucid' })).toEqual([
      'p%40ss-w0rd-long',
      'p@ss-w0rd-long',
    ]);
    expect(secretsFromEnvironment({ LUCID_DATABASE_URL: 'postgres://lucid:short@db/lucid' })).toEqual([]);
    expect(secretsFromEnvironment({ LUCID_DATABASE_URL: 'postgres://db/lucid' })).toEqual([]);
  });
});

describe('realistic key shapes', () => {
  const s = SECRET_SHAPES;

  it.each([
    ['Anthropic', s.anthropic],
    ['OpenAI', s.openai],
    ['AWS access key id', s.awsAccessKeyId],
    ['GitHub', s.github],
    ['Slack', s.slack],
  ])('redacts a bare %s key in prose', (_, key) => {
    expect(redactText(`the key is ${key}, keep it safe`)).toBe('the key is [REDACTED], keep it safe');
  });

  it('redacts every secret of a .env file and keeps the harmless settings', () => {
    const redacted = redactText(dotEnvWithSecrets());
    for (const value of secretValues()) expect(redacted).not.toContain(value);
    expect(redacted).toContain('NODE_ENV=development\nPORT=8080\n');
    expect(redacted).toContain('ANTHROPIC_API_KEY=[REDACTED]\n');
    expect(redacted).toContain('export AWS_SECRET_ACCESS_KEY=[REDACTED]\n');
    expect(redacted).toContain('API_KEY=[REDACTED]\n');
  });

  it('redacts a PEM private key block, also one cut before its END line', () => {
    const pem = `-----BEGIN OPENSSH PRIVATE KEY-----\n${s.pemBody}\n-----END OPENSSH PRIVATE KEY-----`;
    expect(redactText(`key:\n${pem}\ndone`)).toBe('key:\n[REDACTED]\ndone');
    expect(redactText(`-----BEGIN PRIVATE KEY-----\n${s.pemBody}`)).toBe('[REDACTED]');
  });

  it('redacts the AWS credentials file', () => {
    const file = `[default]\naws_access_key_id = ${s.awsAccessKeyId}\naws_secret_access_key = ${s.awsSecretAccessKey}\n`;
    expect(redactText(file)).toBe('[default]\naws_access_key_id = [REDACTED]\naws_secret_access_key = [REDACTED]\n');
  });

  it('leaves source code that merely names a secret readable', () => {
    const code =
      'const token = getToken();\ninterface Login { password: string }\nconst API_KEY_HEADER = "x-api-key";\n';
    expect(redactText(code)).toBe(code);
  });
});
