import { setTimeout as sleep } from 'node:timers/promises';
import type { Storage } from './open-storage';

/** Error codes of a database that cannot be reached yet (node's and PostgreSQL's SQLSTATE classes 08 and 57P). */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

export interface WaitForStorageOptions {
  /** Where to say that the storage is not reachable yet. */
  log: (message: string) => void;
  /** The longest pause between attempts; they start at 1 s and double. */
  maxDelayMs?: number;
}

/**
 * Resolves once the storage is ready, saying what is wrong and retrying while it cannot be reached (a database
 * still starting, or away for a while), so a worker started before its database waits for it instead of dying.
 * Any other failure (a wrong password, a migration that fails) is thrown at once: waiting would not fix it.
 */
export async function waitForStorage(storage: Storage, options: WaitForStorageOptions): Promise<void> {
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      await storage.ready();
      if (attempt > 1) options.log(`storage ${storage.location} is reachable now`);
      return;
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      const delayMs = Math.min(1000 * 2 ** (attempt - 1), maxDelayMs);
      const reason = error instanceof Error ? error.message : String(error);
      options.log(`storage ${storage.location} is not reachable (${reason}); retrying in ${delayMs / 1000} s`);
      await sleep(delayMs);
    }
  }
}

function isUnreachable(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) return true;
    if (/timeout exceeded when trying to connect|Connection terminated/i.test(cause.message)) return true;
  }
  return false;
}
