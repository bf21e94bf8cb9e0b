/**
 * Realistic secrets, in the shapes their issuers use, for redaction tests. Built from pieces so that no real-looking
 * key sits in the source as one literal; none of them is a real credential.
 */
const run = (alphabet: string, length: number) =>
  Array.from({ length }, (_, index) => alphabet[(index * 7 + 3) % alphabet.length]).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const URL_SAFE = `${ALNUM}_-`;

export const SECRET_SHAPES = {
  anthropic: `sk-ant-api03-${run(URL_SAFE, 93)}AA`,
  openai: `sk-proj-${run(URL_SAFE, 48)}T3BlbkFJ${run(URL_SAFE, 48)}`,
  awsAccessKeyId: `AKIA${run('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
  awsSecretAccessKey: `${run(`${ALNUM}/+`, 40)}`,
  github: `ghp_${run(ALNUM, 36)}`,
  slack: `xoxb-${run('0123456789', 12)}-${run('0123456789', 13)}-${run(ALNUM, 24)}`,
  pemBody: `MIIEowIBAAKCAQEA${run(`${ALNUM}+/`, 64)}\n${run(`${ALNUM}+/`, 64)}`,
  genericApiKey: run('0123456789abcdef', 32),
  databasePassword: `p4ss-${run(ALNUM, 14)}`,
};

/** A workspace `.env` such as an agent may read, holding every shape above. */
export function dotEnvWithSecrets(): string {
  const s = SECRET_SHAPES;
  return [
    '# local development settings',
    'NODE_ENV=development',
    'PORT=8080',
    `ANTHROPIC_API_KEY=${s.anthropic}`,
    `OPENAI_API_KEY="${s.openai}"`,
    `AWS_ACCESS_KEY_ID=${s.awsAccessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${s.awsSecretAccessKey}`,
    `GITHUB_TOKEN=${s.github}`,
    `SLACK_BOT_TOKEN='${s.slack}'`,
    `API_KEY=${s.genericApiKey}`,
    `DATABASE_PASSWORD=${s.databasePassword}`,
    'DEPLOY_KEY_PEM="-----BEGIN RSA PRIVATE KEY-----',
    s.pemBody,
    '-----END RSA PRIVATE KEY-----"',
    '',
  ].join('\n');
}

/** Every secret value of {@link dotEnvWithSecrets}, plus the PEM body's lines. */
export function secretValues(): string[] {
  const { pemBody, ...rest } = SECRET_SHAPES;
  return [...Object.values(rest), ...pemBody.split('\n')];
}
