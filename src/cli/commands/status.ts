/**
 * `lucid status <id> [--json]`: the session's snapshot: status, turns, tokens, workspace, final message. Exits 1
 * when the session ended on a terminal error or its workflow failed (also before its first snapshot).
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { SessionSnapshot } from '../../domain/events';
import { parseCommandArguments } from '../args';
import type { Command } from '../command';
import type { Connected } from '../connect';
import { CliError, ExitCode } from '../errors';
import { renderSnapshot } from '../render-snapshot';
import { findSession } from '../session-lookup';
import { readSessionSnapshot } from '../snapshot-reader';
import { workflowFailed, workflowFailureOf } from '../workflow-failure';

const OPTIONS = { json: { type: 'boolean' } } as const;

export const statusCommand: Command = async (args, { stdout, stderr, connect }) => {
  const { positionals, options } = parseCommandArguments('status', args, OPTIONS, ['id']);
  const [sessionId] = positionals;
  const connected = await connect();
  const { description } = await findSession(connected, sessionId);
  const snapshot = await readSnapshot(connected, sessionId, description, stderr);
  if (options.json) stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
  else stdout.write(`${renderSnapshot(snapshot, { executionStatus: description?.status.name })}\n`);
  if (snapshot.error) {
    stderr.write(`lucid: session ${sessionId} ended on an error: ${snapshot.error.message}\n`);
    return ExitCode.failed;
  }
  return workflowFailed(description) ? ExitCode.failed : ExitCode.ok;
};

/** The snapshot to show; without one, why the workflow failed, or that no worker has picked it up yet. */
async function readSnapshot(
  connected: Connected,
  sessionId: string,
  description: WorkflowExecutionDescription | null,
  stderr: { write(text: string): unknown },
): Promise<SessionSnapshot> {
  const { snapshot, noWorkerAnswered } = await readSessionSnapshot(connected, sessionId);
  if (snapshot) {
    if (noWorkerAnswered)
      stderr.write('note: no worker answered the status query; showing the snapshot stored at the last idle\n');
    return snapshot;
  }
  const failure = await workflowFailureOf(connected.lucid, sessionId, description);
  if (failure) throw new CliError(`session "${sessionId}" ${failure}`, ExitCode.failed);
  throw new CliError(`session "${sessionId}" has no snapshot yet (no worker has picked it up?)`, ExitCode.failed);
}
