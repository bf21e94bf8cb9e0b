import { Context } from '@temporalio/activity';
import { withActivityBoundary } from './boundary';
import type { ToolJournal } from '../storage/tool-journal';
import { runBashCall } from '../shell/bash-call';
import type { ShellPool } from '../shell/shell-pool';
import type { ToolOutcome } from '../workspace/tools';
import { redactText, secretsFromEnvironment } from '../domain/redact';
import type { RunToolInput } from './tools';

export interface RunBashInput extends RunToolInput {
  /**
   * The worker task queue that held the session's shell after its previous call (shell affinity,
   * src/workflows/shell-affinity.ts); absent when the session has no shell anywhere.
   */
  shellQueue?: string;
}

export interface BashOutcome extends ToolOutcome {
  /** This worker's own task queue, when the session's shell is alive here after the call: send the next one there. */
  shellQueue?: string;
}

/**
 * The `bash` tool: one call = one activity, run in the session's persistent sandboxed shell on this worker
 * (src/shell/). The boundary's heartbeats carry cancellation in, so interrupting the session kills the command.
 * Its at-most-once semantics under retries are in src/shell/bash-call.ts. `shellQueue` is the task queue only this
 * worker polls (src/worker.ts), which the workflow sends the session's later calls to.
 */
export function createShellActivities({
  shellPool,
  toolJournal,
  shellQueue,
  secrets = secretsFromEnvironment(),
}: {
  shellPool: ShellPool;
  toolJournal: (sessionId: string) => ToolJournal;
  shellQueue?: string;
  secrets?: string[];
}) {
  async function runBash(input: RunBashInput): Promise<BashOutcome> {
    const outcome = await runBashCall({
      pool: shellPool,
      journal: toolJournal(input.sessionId),
      sessionId: input.sessionId,
      workspace: input.workspace,
      callId: input.toolUseId,
      input: input.input,
      allowedHosts: input.allowedHosts,
      expectedShell:
        input.shellQueue === undefined ? undefined : input.shellQueue === shellQueue ? 'here' : 'elsewhere',
      signal: Context.current().cancellationSignal,
      redact: (text) => redactText(text, secrets),
    });
    return shellQueue && shellPool.holdsShell(input.sessionId) ? { ...outcome, shellQueue } : outcome;
  }
  return withActivityBoundary({ runBash }, { secrets });
}
