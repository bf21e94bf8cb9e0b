/**
 * What went wrong, under Temporal's wrapping. An activity's failure reaches a workflow as an ActivityFailure whose
 * message is only "Activity task failed" (a child's as "Child Workflow execution failed"); the useful type and
 * message are those of its cause. Workflow-safe: @temporalio/common only.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ApplicationFailureCategory,
  ChildWorkflowFailure,
} from '@temporalio/common';

export interface FailureCause {
  /** The ApplicationFailure's type (src/domain/failure-types.ts), else the failure's class (`TimeoutFailure`). */
  type: string;
  message: string;
  /** Whether it is a failure Lucid classified (BENIGN): expected, logged as one line. */
  expected: boolean;
}

/** The first failure below the wrappers: Lucid's own ApplicationFailure, or a timeout, cancellation, termination. */
export function failureCause(error: unknown): FailureCause {
  let current = error;
  while ((current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) && current.cause) {
    current = current.cause;
  }
  if (current instanceof ApplicationFailure) {
    const expected = current.category === ApplicationFailureCategory.BENIGN;
    return { type: current.type ?? 'Error', message: current.message, expected };
  }
  if (current instanceof Error) return { type: current.name, message: current.message, expected: false };
  return { type: 'Error', message: String(current), expected: false };
}
