/**
 * Why a session's workflow failed, for sessions that have no snapshot to show: a workflow that failed before its
 * first snapshot (an unknown agent, invalid input) is explained by its failure, not by "no snapshot yet".
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { LucidClient } from '../client';
import { finalSnapshot } from './watch-session';

/** Closed without a result: the session never got to report how it ended, so its workflow's failure says it. */
const FAILED_STATUSES = new Set(['FAILED', 'TIMED_OUT', 'TERMINATED', 'CANCELLED']);

/** True when the workflow failed (or timed out): `lucid status` then exits 1 whatever its snapshot says. */
export function workflowFailed(description: Pick<WorkflowExecutionDescription, 'status'> | null): boolean {
  return description !== null && (description.status.name === 'FAILED' || description.status.name === 'TIMED_OUT');
}

/**
 * `failed: agent "nope" not found in agents (known: scribe)` for a workflow that closed without a result (the
 * innermost cause's message, read from the workflow's result), else null.
 */
export async function workflowFailureOf(
  lucid: LucidClient,
  sessionId: string,
  description: Pick<WorkflowExecutionDescription, 'status'> | null,
): Promise<string | null> {
  if (!description || !FAILED_STATUSES.has(description.status.name)) return null;
  const result = await finalSnapshot(lucid, sessionId);
  return 'failure' in result ? `${description.status.name.toLowerCase()}: ${result.failure}` : null;
}
