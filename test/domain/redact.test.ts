import { redactDeep, redactText, secretsFromEnvironment } from '../../src/domain/redact';

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
});
