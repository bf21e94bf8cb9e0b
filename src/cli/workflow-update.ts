/**
 * Sending a workflow an Update from the CLI (a session's message, outcome or interrupt; a dream's review
 * decisions). The command learns at once whether the workflow took the request and what became of it; a
 * request the workflow rejects comes back with the workflow's reason. With no worker about, an Update waits for
 * one: the command stops waiting after a deadline and says so, and the request takes effect when a worker comes.
 */
import {
  ApplicationFailure,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { Connected } from './connect';

/** How long a command waits for a worker to take its request before it stops waiting. */
export const UPDATE_DEADLINE_MS = 15_000;

/** Why the workflow rejected a request: its failure type (e.g. SessionEnded) and message. */
export interface Rejection {
  type: string | undefined;
  message: string;
}

export type UpdateOutcome<T> =
  | { kind: 'done'; result: T }
  | { kind: 'rejected'; rejection: Rejection }
  /** Nobody answered within the deadline: no worker has the request yet, or the workflow is not done with it. */
  | { kind: 'timed_out' };

/** Runs one Update call (through LucidClient), bounded by {@link UPDATE_DEADLINE_MS}. */
export async function sendUpdate<T>(connected: Connected, call: () => Promise<T>): Promise<UpdateOutcome<T>> {
  try {
    const result = await connected.temporal.withDeadline(Date.now() + UPDATE_DEADLINE_MS, call);
    return { kind: 'done', result };
  } catch (error) {
    if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return { kind: 'timed_out' };
    if (error instanceof WorkflowUpdateFailedError) return { kind: 'rejected', rejection: rejectionOf(error) };
    throw error;
  }
}

function rejectionOf(error: WorkflowUpdateFailedError): Rejection {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? undefined, message: cause.message };
  return { type: undefined, message: cause?.message ?? error.message };
}
