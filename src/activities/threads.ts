import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';

/** Whether a thread's workflow is still running, as the Temporal server sees it. */
export interface ThreadWorkflowState {
  closed: boolean;
  /** The execution status (RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT), or NOT_FOUND. */
  status: string;
}

const CLOSED_STATUSES = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT', 'CONTINUED_AS_NEW']);

/**
 * The lead's probe for a thread closed from outside (`temporal workflow terminate`, a run or execution timeout):
 * such a child never reports, and after the lead continued-as-new no child-result promise is left to tell it.
 */
export function createThreadActivities() {
  async function describeThreadWorkflow({ workflowId }: { workflowId: string }): Promise<ThreadWorkflowState> {
    try {
      // Without a run id the handle follows the chain to its latest run, so a thread that continued-as-new is open.
      const { status } = await Context.current().client.workflow.getHandle(workflowId).describe();
      return { closed: CLOSED_STATUSES.has(status.name), status: status.name };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { closed: true, status: 'NOT_FOUND' };
      throw error;
    }
  }
  return { describeThreadWorkflow };
}
