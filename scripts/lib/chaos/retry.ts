/**
 * Client calls that outlive a dev-server or database restart: while the server is down, calls fail with gRPC
 * transport errors, and reads of a store that is down with a StorageUnavailableError; the chaos driver waits and
 * tries again (up to its deadline) instead of counting that as a failure.
 */
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { isStorageUnavailable } from '../../../src/storage/storage-unavailable';

/** gRPC status codes a restarting server answers with (or the client reports while it reconnects). */
const TRANSIENT_GRPC_CODES = new Set([
  1, // CANCELLED: the call was cut when the connection went away
  2, // UNKNOWN: a stream broken off mid-call
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  13, // INTERNAL
  14, // UNAVAILABLE: nobody listening, or not ready yet
]);
const PAUSE_MS = 500;

export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** Calls `call` until it succeeds, a non-transient error comes, or the deadline (ms since epoch) passes. */
export async function retryTransient<T>(what: string, call: () => Promise<T>, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!isTransient(error)) throw error;
      if (Date.now() > deadline)
        throw new DeadlineError(`${what}: still failing at the deadline: ${(error as Error).message}`);
      await sleep(PAUSE_MS);
    }
  }
}

/** Settles like `promise`, or rejects with a {@link DeadlineError} once the deadline (ms since epoch) passes. */
export async function beforeDeadline<T>(what: string, promise: Promise<T>, deadline: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeadlineError(`${what}: not done by the deadline`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `read` until `done` holds; transient errors count as "not yet". */
export async function pollUntil<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  deadline: number,
  everyMs = 500,
): Promise<T> {
  for (;;) {
    const value = await retryTransient(what, read, deadline);
    if (done(value)) return value;
    if (Date.now() > deadline) throw new DeadlineError(`${what}: not reached by the deadline`);
    await sleep(everyMs);
  }
}

export function isTransient(error: unknown): boolean {
  if (isStorageUnavailable(error)) return true;
  const cause = error instanceof ServiceError ? error.cause : error;
  if (isGrpcServiceError(cause)) return TRANSIENT_GRPC_CODES.has(cause.code);
  // The client reports a connection it is still (re)establishing without a gRPC status.
  return (
    error instanceof ServiceError ||
    (error instanceof Error && /ECONNREFUSED|ECONNRESET|UNAVAILABLE|connection/i.test(error.message))
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
