import type Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import { secretsFromEnvironment } from '../domain/redact';
import { gradeDeliverables, type GradeInput, type GradeResult } from '../outcomes/grader';
import { withActivityBoundary } from './boundary';

/** One grading of one outcome iteration; the ids are for the Temporal UI and logs, not for the grader. */
export type GradeOutcomeInput = GradeInput & { sessionId: string; outcomeId: string; iteration: number };

/**
 * The grader activity. Unlike the agent's model activity, whose errors the workflow retries itself (so each
 * retry shows as an event), a grading is retried by Temporal: the boundary throws transient model errors
 * retryable, with `nextRetryDelay` honouring `retry-after`, and a retry starts the grading afresh (it only reads,
 * so that is safe). Bad requests and configuration errors are thrown non-retryable.
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
    // Beats on each streamed event too, on top of the boundary's timer.
    return gradeDeliverables(input, {
      anthropic,
      heartbeat: () => context.heartbeat(),
      signal: context.cancellationSignal,
      secrets,
    });
  }
  return withActivityBoundary({ gradeOutcome }, { secrets });
}
