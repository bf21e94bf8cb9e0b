import { Context } from '@temporalio/activity';
import { withActivityBoundary } from './boundary';
import type { ToolJournal } from '../storage/tool-journal';
import { executeToolOnce } from '../workspace/tool-journal';
import type { ToolOutcome } from '../workspace/tools';
import { redactText, secretsFromEnvironment } from '../domain/redact';

export interface RunToolInput {
  sessionId: string;
  workspace: string;
  toolUseId: string;
  name: string;
  input: unknown;
  /** For `bash`: the hosts the session's environment allows (src/domain/environment-sandbox.ts); absent: the worker's. */
  allowedHosts?: string[];
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
    // The boundary beats while the tool runs, so a lost worker is noticed within the heartbeat timeout.
    return executeToolOnce({
      workspace: input.workspace,
      journal: toolJournal(input.sessionId),
      callId: input.toolUseId,
      name: input.name,
      input: input.input,
      signal: Context.current().cancellationSignal,
      // Redacted before the journal records it, so no secret rests on disk and a retry returns the same text.
      redact: (text) => redactText(text, secrets),
    });
  }
  return withActivityBoundary({ runTool }, { secrets });
}
