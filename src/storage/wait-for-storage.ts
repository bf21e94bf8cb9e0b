import { setTimeout as sleep } from 'node:timers/promises';
import type { Storage } from './open-storage';
import { isUnreachableDatabase } from './storage-unavailable';

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
      if (!isUnreachableDatabase(error)) throw error;
      const delayMs = Math.min(1000 * 2 ** (attempt - 1), maxDelayMs);
      const reason = error instanceof Error ? error.message : String(error);
      options.log(`storage ${storage.location} is not reachable (${reason}); retrying in ${delayMs / 1000} s`);
      await sleep(delayMs);
    }
  }
}
