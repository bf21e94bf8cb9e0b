/**
 * The API keys the server accepts. Keys are held only as sha-256 digests, so a heap dump or a log of this
 * object shows no key, and a presented key is checked against every digest with timingSafeEqual: hashing both
 * sides first makes the compared buffers equal in length whatever was sent, so the time a check takes says
 * nothing about how much of a key was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';

export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  /** Whether `presented` is one of the keys; compares with every digest, so a match's position is not timed either. */
  accepts(presented: string): boolean {
    const candidate = digest(presented);
    let found = false;
    for (const known of this.digests) found = timingSafeEqual(known, candidate) || found;
    return found;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * The keys from the environment: LUCID_API_KEYS (comma-separated) and the file LUCID_API_KEYS_FILE (one key a
 * line; blank lines and lines starting with `#` are skipped), both when both are set. Surrounding spaces are
 * trimmed. No keys at all is an error: a server that accepted anything would be open to whoever reaches the port.
 */
export function apiKeysFromEnv(env: NodeJS.ProcessEnv = process.env): ApiKeys {
  const keys = [...splitList(env.LUCID_API_KEYS ?? ''), ...keysFile(env.LUCID_API_KEYS_FILE)];
  if (keys.length === 0) {
    throw new Error('no API keys: set LUCID_API_KEYS (comma-separated) or LUCID_API_KEYS_FILE (one key a line)');
  }
  return new ApiKeys(keys);
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
}

function keysFile(file: string | undefined): string[] {
  if (!file) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The key a request presents: `x-api-key`, else `Authorization: Bearer <key>` (what the SDK sends). */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | null {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return apiKey;
  const authorization = headers.authorization;
  const match = typeof authorization === 'string' ? /^Bearer\s+(.+)$/i.exec(authorization) : null;
  return match ? match[1].trim() : null;
}
