import { Context } from '@temporalio/activity';
import path from 'node:path';
import { executeToolOnce } from '../workspace/tool-journal';
import type { ToolOutcome } from '../workspace/tools';

export interface RunToolInput {
  sessionId: string;
  workspace: string;
  toolUseId: string;
  name: string;
  input: unknown;
}

/**
 * One tool call = one activity, so each call is retried on its own and visible in the Temporal UI.
 * Whatever the model got wrong comes back as `{ is_error: true }` for the agent to see; the journal makes a
 * retried call return its first outcome instead of applying a change twice.
 */
export function createToolActivities({ dataDir }: { dataDir: string }) {
  async function runTool(input: RunToolInput): Promise<ToolOutcome> {
    const context = Context.current();
    context.heartbeat();
    return executeToolOnce({
      workspace: input.workspace,
      journalDir: path.join(dataDir, 'sessions', encodeURIComponent(input.sessionId), 'tool-journal'),
      callId: input.toolUseId,
      name: input.name,
      input: input.input,
    });
  }
  return { runTool };
}
