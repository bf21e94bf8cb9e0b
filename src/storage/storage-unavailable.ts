import { StorageUnavailableError } from '../errors';

/**
 * Error codes of a database that cannot be reached for now: node's network codes and PostgreSQL's SQLSTATE classes
 * 08 (connection exception) and 57P (admin or crash shutdown, cannot connect now).
 */
const UNREACHABLE_DATABASE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);

/** What node-postgres says when a connection is lost or the pool cannot hand one out in time. */
const UNREACHABLE_DATABASE_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error/i;

/**
 * The filesystem's transient codes: a network filesystem's stale handle, too many open files. A missing file or a
 * full disk is not among them: waiting does not fix those.
 */
const TRANSIENT_FILESYSTEM_CODES = new Set(['ESTALE', 'EMFILE', 'ENFILE']);

/**
 * Whether `error` (or its cause chain) says the database cannot be reached for now. Network codes are only read
 * this way where the error is known to come from the database (the pool, the start-up wait), not from a tool.
 */
export function isUnreachableDatabase(error: unknown): boolean {
  return someCause(error, (cause) => {
    const code = (cause as { code?: unknown }).code;
    return (
      (typeof code === 'string' && UNREACHABLE_DATABASE_CODES.has(code)) ||
      UNREACHABLE_DATABASE_MESSAGES.test(cause.message)
    );
  });
}

/** Whether `error` is storage that is away for now: a StorageUnavailableError, or a transient filesystem error. */
export function isStorageUnavailable(error: unknown): boolean {
  return someCause(error, (cause) => {
    const code = (cause as { code?: unknown }).code;
    return (
      StorageUnavailableError.isInstance(cause) || (typeof code === 'string' && TRANSIENT_FILESYSTEM_CODES.has(code))
    );
  });
}

/** A database error as a StorageUnavailableError naming `location` when it says the database is away. */
export function asStorageUnavailable(error: unknown, location: string): unknown {
  if (StorageUnavailableError.isInstance(error) || !isUnreachableDatabase(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageUnavailableError(`storage ${location} is unavailable: ${reason}`, { cause: error });
}

function someCause(error: unknown, test: (cause: Error) => boolean): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) if (test(cause)) return true;
  return false;
}
