/**
 * The `auto` policy in a session: before the model's calls are logged, each call of an `auto` tool is judged by a
 * separate model call (the judgeToolCall activity, src/activities/permission-judge.ts), all of one turn's in
 * parallel. A judge that fails after its retries gives no verdict: the call then asks a human, never runs unasked.
 */
import { ActivityFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ModelContentBlock } from '../activities/model';
import { purposeOf, type JudgeVerdict } from '../domain/permission-judge';
import type { SessionState } from './session-state';

type ToolUse = Extract<ModelContentBlock, { type: 'tool_use' }>;

/** One small model request; retried like the grader's, a few times, since a human is the fallback. */
const JUDGE_ACTIVITY = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds', maximumAttempts: 4 },
} as const;

const { judgeToolCall } = proxyActivities<Activities>(JUDGE_ACTIVITY);

/** The verdict on each of `calls`, by the model's call id. */
export async function judgeCalls(state: SessionState, calls: ToolUse[]): Promise<Map<string, JudgeVerdict>> {
  const purpose = purposeOf(state.agent);
  const verdicts = await Promise.all(
    calls.map((call) =>
      judgeToolCall
        .executeWithOptions({ ...JUDGE_ACTIVITY, summary: `judge ${call.name} (auto permission policy)` }, [
          { sessionId: state.sessionId, toolUseId: call.id, tool: call.name, input: call.input, purpose },
        ])
        .catch((error: unknown): JudgeVerdict => {
          // An interrupt's cancellation goes on up, as it does from the model call this follows.
          if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
          return { verdict: 'ask', reason: `the permission judge failed: ${error.cause?.message ?? error.message}` };
        }),
    ),
  );
  return new Map(calls.map((call, index) => [call.id, verdicts[index]]));
}
