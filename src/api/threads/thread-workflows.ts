/**
 * A thread's own workflow, as the server's Temporal client sees it. The lead writes a new thread to its log only
 * at its next model request or idle, so while a `delegate` waits on a thread, the thread is known by its workflow.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { LucidClient } from '../../client';
import { LUCID_AGENT, LUCID_PARENT_SESSION } from '../../search-attributes';

export interface ThreadWorkflow {
  agent_name: string;
  running: boolean;
  started_at: string;
}

export interface ThreadWorkflows {
  /** The thread workflow `workflowId` of session `sessionId`; null when there is none. */
  describe(sessionId: string, workflowId: string): Promise<ThreadWorkflow | null>;
  /** Cancels it if it still runs: gracefully, so the thread ends its turn and reports to its lead. */
  stop(workflowId: string): Promise<void>;
}

export function threadWorkflows(lucid: LucidClient): ThreadWorkflows {
  return {
    async describe(sessionId, workflowId) {
      try {
        const description = await lucid.temporal.workflow.getHandle(workflowId).describe();
        if (description.typedSearchAttributes.get(LUCID_PARENT_SESSION) !== sessionId) return null;
        return {
          agent_name: description.typedSearchAttributes.get(LUCID_AGENT) ?? '',
          running: description.status.name === 'RUNNING',
          started_at: description.startTime.toISOString(),
        };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return null;
        throw error;
      }
    },
    async stop(workflowId) {
      if (!(await lucid.isRunning(workflowId))) return;
      try {
        await lucid.temporal.workflow.getHandle(workflowId).cancel();
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error; // it ended meanwhile
      }
    },
  };
}
