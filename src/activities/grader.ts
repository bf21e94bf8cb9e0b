import type Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import { secretsFromEnvironment } from '../domain/redact';
import { gradeDeliverables, type GradeInput, type GradeResult } from '../outcomes/grader';
import { toRetryableModelFailure } from './model-errors';

/** One grading of one outcome iteration; the ids are for the Temporal UI and logs, not for the grader. */
export type GradeOutcomeInput = GradeInput & { sessionId: string; outcomeId: string; iteration: number };

const HEARTBEAT_EVERY_MS = 2_000;

/**
 * The grader activity. Unlike the agent's model activity, whose errors the workflow retries itself (so each
 * retry shows as an event), a grading is retried by Temporal: transient model errors are thrown retryable, with
 * `nextRetryDelay` honouring `retry-after`, and a retry starts the grading afresh (it only reads, so that is
 * safe). Bad requests and configuration errors are thrown non-retryable.
 */
export function createGraderActivities({
  anthropic,
  secrets = secretsFromEnvironment(),
}: {
  anthropic: Anthropic;
  secrets?: string[];
}) {
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
      throw toRetryableModelFailure(error, secrets);
    } finally {
      clearInterval(beat);
    }
  }
  return { gradeOutcome };
}
