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
 * - decides retryability: model API errors keep their mapping (src/activities/model-errors.ts); a LucidError
 *   whose fault is the user's input or the model's becomes a non-retryable ApplicationFailure of its
 *   `failureType`, because it would fail the same way again; anything else stays retryable under the policy.
 *
 * Expected failures (model API answers, LucidErrors) are marked BENIGN, which tells the SDK not to log its
 * multi-line "Activity failed" dump (it drops it to DEBUG); the boundary logs one line instead. Failures nobody
 * expected keep the SDK's full log with the stack.
 */
import Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure } from '@temporalio/common';
import { isLucidFailureType } from '../domain/failure-types';
import { redactText } from '../domain/redact';
import { LucidError } from '../errors';
import { toRetryableModelFailure } from './model-errors';

const HEARTBEAT_EVERY_MS = 2_000;

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
  try {
    return await work();
  } catch (error) {
    // Cancellation must surface as the CancelledFailure Temporal aborted with, or the activity counts as failed.
    if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? error;
    throw toActivityFailure(error, options.secrets, (line) => context.log.warn(line));
  } finally {
    clearInterval(beat);
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
