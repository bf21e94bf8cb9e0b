/**
 * Secrets must never reach events, logs or memory: activities pass model output, tool output and error messages
 * through here before anything leaves them. Catches the worker's own credentials by value and well-known key
 * shapes by pattern.
 */
const SECRET_PATTERNS: RegExp[] = [
  /sk-ant-[A-Za-z0-9_-]{16,}/g, // Anthropic API and admin keys
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, // AWS access key ids
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, // GitHub tokens
];

export const REDACTED = '[REDACTED]';

/** Values of the worker's environment that are secrets (at least 8 characters, so short values never match). */
export function secretsFromEnvironment(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(
      ([name, value]) => /API_KEY|SECRET|TOKEN|PASSWORD/i.test(name) && typeof value === 'string' && value.length >= 8,
    )
    .map(([, value]) => value as string);
}

export function redactText(text: string, knownSecrets: readonly string[] = []): string {
  let result = text;
  for (const secret of knownSecrets) result = result.split(secret).join(REDACTED);
  for (const pattern of SECRET_PATTERNS) result = result.replace(pattern, REDACTED);
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
