import Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { redactText, secretsFromEnvironment } from '../domain/redact';
import { gradeDeliverables, type GradeInput, type GradeResult } from '../outcomes/grader';
import { RETRYABLE_MODEL_FAILURES, toModelFailure, type ModelFailureDetails } from './model-errors';

/** One grading of one outcome iteration; the ids are for the Temporal UI and logs, not for the grader. */
export type GradeOutcomeInput = GradeInput & { sessionId: string; outcomeId: string; iteration: number };

const HEARTBEAT_EVERY_MS = 2_000;
/** A `retry-after: 0` must not turn into a tight retry loop. */
const MIN_RETRY_DELAY_MS = 1_000;

/**
 * The grader activity. Unlike the agent's model activity, whose errors the workflow retries itself (so each
 * retry shows as an event), a grading is retried by Temporal: transient model errors are thrown retryable, with
 * `nextRetryDelay` honouring `retry-after`, and a retry starts the grading afresh (it only reads, so that is
 * safe). Bad requests and configuration errors are thrown non-retryable.
 */
export function createGraderActivities({ anthropic, secrets = secretsFromEnvironment() }: { anthropic: Anthropic; secrets?: string[] }) {
  async function gradeOutcome(input: GradeOutcomeInput): Promise<GradeResult> {
    const context = Context.current();
    // Beat while a long model request streams, so a lost worker is noticed within the heartbeat timeout.
    const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      return await gradeDeliverables(input, {
        anthropic,
        heartbeat: () => context.heartbeat(),
        signal: context.cancellationSignal,
        secrets,
      });
    } catch (error) {
      // Cancellation must surface as the CancelledFailure Temporal aborted with, or the activity counts as failed.
      if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? error;
      throw toGraderFailure(error, secrets);
    } finally {
      clearInterval(beat);
    }
  }
  return { gradeOutcome };
}

/**
 * Model API errors become typed failures (the types of {@link toModelFailure}), retryable at the Temporal level
 * when the model API may answer next time. Other errors (a missing workspace, EIO) are rethrown with their
 * message redacted, and Temporal retries them under the activity's policy.
 */
export function toGraderFailure(error: unknown, secrets: readonly string[] = []): Error {
  if (!(error instanceof Anthropic.AnthropicError)) {
    if (error instanceof Error) {
      error.message = redactText(error.message, secrets);
      return error;
    }
    return new Error(redactText(String(error), secrets));
  }
  const modelFailure = toModelFailure(error);
  const details = (modelFailure.details?.[0] ?? { status: null, retry_after_ms: null }) as ModelFailureDetails;
  const retryable = (RETRYABLE_MODEL_FAILURES as readonly string[]).includes(modelFailure.type ?? '');
  return ApplicationFailure.create({
    type: modelFailure.type ?? undefined,
    message: redactText(modelFailure.message, secrets),
    nonRetryable: !retryable,
    details: [details],
    ...(retryable && details.retry_after_ms !== null
      ? { nextRetryDelay: Math.max(MIN_RETRY_DELAY_MS, details.retry_after_ms) }
      : {}),
  });
}
