import { Context } from '@temporalio/activity';
import type { ToolJournal } from '../storage/tool-journal';
import { executeToolOnce } from '../workspace/tool-journal';
import type { ToolOutcome } from '../workspace/tools';
import { redactText, secretsFromEnvironment } from '../domain/redact';

const HEARTBEAT_EVERY_MS = 2_000;

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
export function createToolActivities({
  toolJournal,
  secrets = secretsFromEnvironment(),
}: {
  toolJournal: (sessionId: string) => ToolJournal;
  secrets?: string[];
}) {
  async function runTool(input: RunToolInput): Promise<ToolOutcome> {
    const context = Context.current();
    // Beat while the tool runs, so a lost worker is noticed within the heartbeat timeout but a long grep is not.
    const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      const outcome = await executeToolOnce({
        workspace: input.workspace,
        journal: toolJournal(input.sessionId),
        callId: input.toolUseId,
        name: input.name,
        input: input.input,
        signal: context.cancellationSignal,
      });
      return { ...outcome, content: redactText(outcome.content, secrets) };
    } finally {
      clearInterval(beat);
    }
  }
  return { runTool };
}
