import { Context } from '@temporalio/activity';
import { withActivityBoundary } from './boundary';
import type { ToolJournal } from '../storage/tool-journal';
import { runBashCall } from '../shell/bash-call';
import type { ShellPool } from '../shell/shell-pool';
import type { ToolOutcome } from '../workspace/tools';
import { redactText, secretsFromEnvironment } from '../domain/redact';
import type { RunToolInput } from './tools';

/**
 * The `bash` tool: one call = one activity, run in the session's persistent sandboxed shell on this worker
 * (src/shell/). The boundary's heartbeats carry cancellation in, so interrupting the session kills the command.
 * Its at-most-once semantics under retries are in src/shell/bash-call.ts.
 */
export function createShellActivities({
  shellPool,
  toolJournal,
  secrets = secretsFromEnvironment(),
}: {
  shellPool: ShellPool;
  toolJournal: (sessionId: string) => ToolJournal;
  secrets?: string[];
}) {
  async function runBash(input: RunToolInput): Promise<ToolOutcome> {
    return runBashCall({
      pool: shellPool,
      journal: toolJournal(input.sessionId),
      sessionId: input.sessionId,
      workspace: input.workspace,
      callId: input.toolUseId,
      input: input.input,
      allowedHosts: input.allowedHosts,
      signal: Context.current().cancellationSignal,
      redact: (text) => redactText(text, secrets),
    });
  }
  return withActivityBoundary({ runBash }, { secrets });
}
