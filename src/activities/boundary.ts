/**
 * The activity failure boundary: every activity Lucid registers runs through {@link withActivityBoundary}, which
 *
 * - heartbeats on a timer while the activity runs (scheduled activities only), so a lost worker is noticed within
 *   the heartbeat timeout and a cancellation request reaches the worker;
 * - honours cancellation: the work stops on `Context.current().cancellationSignal` (the model stream, the grader,
 *   the dream loops and the tools all take it), and whatever it throws then, the activity ends as the
 *   CancelledFailure Temporal aborted with, not as a failure. It does not return before its work has settled, so a
 *   tool's write never overlaps a retry of the same call;
 * - redacts secrets from every error message (and stack and cause) before it leaves the worker;
 * - waits out storage that cannot be reached for now (src/storage/storage-unavailable.ts): a scheduled activity
 *   runs its work again inside the same attempt, with a capped back-off, a warning each time and its heartbeats
 *   going on, until the storage is back or the attempt's start-to-close time is nearly spent. An outage therefore
 *   spends no attempts, which stay for the model's and the tools' own errors. (A local activity throws it
 *   retryable: the storage steps' policy has no attempt limit.) Running the work again is what a Temporal retry
 *   would do, so it is as safe: activities are idempotent under retry;
 * - decides retryability: model API errors keep their mapping (src/activities/model-errors.ts); a LucidError
 *   whose fault is the user's input or the model's becomes a non-retryable ApplicationFailure of its
 *   `failureType`, because it would fail the same way again; anything else stays retryable under the policy.
 *
 * Expected failures (model API answers, LucidErrors) are marked BENIGN, which tells the SDK not to log its
 * multi-line "Activity failed" dump (it drops it to DEBUG); the boundary logs one line instead. Failures nobody
 * expected keep the SDK's full log with the stack.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure } from '@temporalio/common';
import { isLucidFailureType } from '../domain/failure-types';
import { redactText } from '../domain/redact';
import { LucidError, StorageUnavailableError } from '../errors';
import { isStorageUnavailable } from '../storage/storage-unavailable';
import { toRetryableModelFailure } from './model-errors';

const HEARTBEAT_EVERY_MS = 2_000;
/** The longest pause between two tries of work that met unavailable storage; they start at 1 s and double. */
const STORAGE_WAIT_MAX_MS = 10_000;
/** Time kept back at the end of an attempt, so it fails as StorageUnavailable rather than timing out. */
const ATTEMPT_MARGIN_MS = 5_000;

export interface BoundaryOptions {
  /** The worker's secrets, redacted from error messages. */
  secrets: readonly string[];
}

type ActivityFunction = (...args: never[]) => Promise<unknown>;

/** The activities, each run inside the boundary; names and signatures are unchanged. */
export function withActivityBoundary<T extends Record<string, ActivityFunction>>(
  activities: T,
  options: BoundaryOptions,
): T {
  const bounded = Object.entries(activities).map(([name, activity]) => [
    name,
    (...args: Parameters<typeof activity>) => runInBoundary(() => activity(...args), options),
  ]);
  return Object.fromEntries(bounded) as T;
}

async function runInBoundary<R>(work: () => Promise<R>, options: BoundaryOptions): Promise<R> {
  const context = Context.current();
  // Local activities cannot heartbeat; their cancellation comes with the workflow task.
  const beat = context.info.isLocal ? undefined : setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  const deadline = Date.now() + context.info.startToCloseTimeoutMs - ATTEMPT_MARGIN_MS;
  try {
    for (let tries = 1; ; tries++) {
      try {
        return await work();
      } catch (error) {
        // Cancellation must surface as the CancelledFailure Temporal aborted with, or the activity counts as failed.
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? error;
        const delayMs = Math.min(1000 * 2 ** (tries - 1), STORAGE_WAIT_MAX_MS);
        if (context.info.isLocal || !isStorageUnavailable(error) || Date.now() + delayMs > deadline) {
          throw toActivityFailure(error, options.secrets, (line) => context.log.warn(line));
        }
        const reason = redactText(errorMessage(error), options.secrets);
        context.log.warn(`Storage unavailable, trying again in ${delayMs / 1000} s (try ${tries}): ${reason}`);
        await waitOrCancel(delayMs, context.cancellationSignal);
      }
    }
  } finally {
    clearInterval(beat);
  }
}

/** Resolves after `ms`, or throws the cancellation as soon as the activity is cancelled. */
async function waitOrCancel(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throw signal.reason ?? new CancelledFailure('cancelled while waiting for storage');
  }
}

/**
 * What an activity's error leaves the worker as. Exported for tests; `logExpected` gets the one line an expected
 * failure is logged as.
 */
export function toActivityFailure(
  error: unknown,
  secrets: readonly string[],
  logExpected: (line: string) => void = () => {},
): Error {
  const failure = classify(error, secrets);
  redactChain(failure, secrets);
  if (failure instanceof ApplicationFailure && failure.category === ApplicationFailureCategory.BENIGN) {
    const retry = failure.nonRetryable ? 'not retried' : 'retryable';
    logExpected(`Activity failed (expected, ${retry}): ${failure.type}: ${failure.message}`);
  }
  return failure;
}

function classify(error: unknown, secrets: readonly string[]): Error {
  if (error instanceof CancelledFailure) return error;
  if (error instanceof Anthropic.AnthropicError) return benign(toRetryableModelFailure(error, secrets));
  if (error instanceof ApplicationFailure) return isLucidFailureType(error.type) ? benign(error) : error;
  if (isStorageUnavailable(error) && !LucidError.isInstance(error)) {
    return classify(new StorageUnavailableError(errorMessage(error), { cause: error }), secrets);
  }
  if (LucidError.isInstance(error)) {
    const failure = ApplicationFailure.create({
      type: error.failureType,
      message: error.message,
      nonRetryable: error.fault !== 'system',
      cause: error.cause instanceof Error ? error.cause : undefined,
      category: ApplicationFailureCategory.BENIGN,
    });
    failure.stack = error.stack; // where it was thrown, not where it was converted
    return failure;
  }
  return error instanceof Error ? error : new Error(String(error));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Marks an expected failure so the SDK logs it at DEBUG; the type, message and retry policy are unchanged. */
function benign(failure: Error): Error {
  if (!(failure instanceof ApplicationFailure)) return failure;
  const marked = ApplicationFailure.create({
    type: failure.type ?? undefined,
    message: failure.message,
    nonRetryable: failure.nonRetryable ?? undefined,
    details: failure.details ?? undefined,
    nextRetryDelay: failure.nextRetryDelay ?? undefined,
    cause: failure.cause,
    category: ApplicationFailureCategory.BENIGN,
  });
  marked.stack = failure.stack;
  return marked;
}

/** Secrets never leave in a message, a stack trace or a cause, all of which Temporal stores in history. */
function redactChain(error: Error, secrets: readonly string[]): void {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    current.message = redactText(current.message, secrets);
    if (current.stack) current.stack = redactText(current.stack, secrets);
  }
}
