/**
 * Runs a tool served by a Temporal activity on the team's own worker (src/domain/activity-tools.ts): the model's
 * call is scheduled as an activity of the tool's type on the tool's task queue, with the tool's timeouts and retry
 * policy. Its return value is the tool result; its failure (non-retryable, or retries or time spent) is a tool
 * error with the failure's message. Workflow code: deterministic.
 */
import { CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import {
  activityResultText,
  activityToolOptions,
  type ActivityTool,
  type ActivityToolInput,
} from '../domain/activity-tools';
import { failureCause } from '../domain/failure-cause';

type TeamActivities = Record<string, (input: ActivityToolInput) => Promise<unknown>>;

export interface ActivityToolCall {
  sessionId: string;
  toolUseId: string;
  input: Record<string, unknown>;
  /** The scopes an interrupt cancels; the call's scope is in it while it runs. */
  running: Set<CancellationScope>;
}

export async function runActivityTool(
  tool: ActivityTool,
  call: ActivityToolCall,
): Promise<{ content: string; is_error: boolean }> {
  const options = activityToolOptions(tool);
  const activity = proxyActivities<TeamActivities>(options)[tool.activity_type];
  const argument: ActivityToolInput = {
    input: call.input,
    session_id: call.sessionId,
    tool_use_id: call.toolUseId,
    tool_name: tool.name,
  };
  const summary = `${tool.name}: ${tool.activity_type} on ${tool.task_queue}`;
  // An interrupt cancels the scope: a call still waiting for the team's worker is dropped at once, a running one
  // is asked to stop (the team's activity sees it when it heartbeats) and its result, if any, is not used.
  const scope = new CancellationScope();
  call.running.add(scope);
  try {
    const value = await scope.run(() => activity.executeWithOptions({ summary }, [argument]));
    return { is_error: false, content: activityResultText(value) };
  } catch (error) {
    if (isCancellation(error)) {
      return {
        is_error: true,
        content: `The call was interrupted by the user; activity ${tool.activity_type} was cancelled.`,
      };
    }
    return { is_error: true, content: activityResultText(`tool ${tool.name} failed: ${failureCause(error).message}`) };
  } finally {
    call.running.delete(scope);
  }
}
