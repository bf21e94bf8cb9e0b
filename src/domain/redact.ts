/**
 * Secrets must never reach events, logs, memory or the tool journal: activities pass model output, tool output and
 * error messages through here before anything leaves them. Catches the worker's own credentials by value and
 * well-known key shapes by pattern. Patterns stay cheap on any input (no nested
 * quantifiers, bounded name lengths), since they run over whatever the agent read.
 */
const SECRET_PATTERNS: ReadonlyArray<{ pattern: RegExp; replacement: string }> = [
  { pattern: /sk-ant-[A-Za-z0-9_-]{16,}/g, replacement: '[REDACTED]' }, // Anthropic API and admin keys
  { pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g, replacement: '[REDACTED]' }, // OpenAI keys
  { pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, replacement: '[REDACTED]' }, // AWS access key ids
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, replacement: '[REDACTED]' }, // GitHub tokens
  { pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g, replacement: '[REDACTED]' }, // GitHub fine-grained tokens
  { pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, replacement: '[REDACTED]' }, // Slack tokens
  { pattern: /\bAIza[0-9A-Za-z_-]{35}/g, replacement: '[REDACTED]' }, // Google API keys
  { pattern: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, replacement: '[REDACTED]' }, // Stripe keys
  // PEM private keys (RSA, EC, OpenSSH, PGP...), also when the text was cut before the END line.
  {
    pattern: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|$)/g,
    replacement: '[REDACTED]',
  },
  // Environment-file assignments whose name says secret (API_KEY=..., export AWS_SECRET_ACCESS_KEY="..."), and the
  // lower-case AWS credentials file. Upper-case names only: source code such as `token = getToken()` stays readable.
  {
    pattern:
      /^([ \t]*(?:export[ \t]+)?(?:[A-Z0-9_]{0,64}(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIALS?)[A-Z0-9_]{0,64}|aws_secret_access_key|aws_session_token)[ \t]*=[ \t]*["']?)(?!\[REDACTED\])[^\s"'#]{8,}/gm,
    replacement: '$1[REDACTED]',
  },
];

export const REDACTED = '[REDACTED]';

/**
 * Values of the worker's environment that are secrets (at least 8 characters, so short values never match): those
 * whose name says so, and the password inside LUCID_DATABASE_URL.
 */
export function secretsFromEnvironment(env: NodeJS.ProcessEnv = process.env): string[] {
  const named = Object.entries(env)
    .filter(([name, value]) => /API_KEY|SECRET|TOKEN|PASSWORD/i.test(name) && typeof value === 'string')
    .map(([, value]) => value as string);
  return [...named, ...urlPasswords(env.LUCID_DATABASE_URL)].filter((value) => value.length >= 8);
}

/** A URL's password as written and decoded (a log may carry either). */
function urlPasswords(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const { password } = new URL(url);
    return password ? [...new Set([password, decodeURIComponent(password)])] : [];
  } catch {
    return [];
  }
}

export function redactText(text: string, knownSecrets: readonly string[] = []): string {
  let result = text;
  for (const secret of knownSecrets) result = result.split(secret).join(REDACTED);
  for (const { pattern, replacement } of SECRET_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/** Redacts every string inside a JSON-like value. */
export function redactDeep<T>(value: T, knownSecrets: readonly string[] = []): T {
  if (typeof value === 'string') return redactText(value, knownSecrets) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, knownSecrets)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, knownSecrets)])) as T;
  }
  return value;
}
