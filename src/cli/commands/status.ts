/** `lucid status <id> [--json]`: the session's snapshot: status, turns, tokens, workspace, final message. */
import type { SessionSnapshot } from '../../domain/events';
import { parseCommandArguments } from '../args';
import type { Command } from '../command';
import type { Connected } from '../connect';
import { CliError, ExitCode } from '../errors';
import { renderSnapshot } from '../render-snapshot';
import { findSession } from '../session-lookup';
import { readSessionSnapshot } from '../snapshot-reader';

const OPTIONS = { json: { type: 'boolean' } } as const;

export const statusCommand: Command = async (args, { stdout, stderr, connect }) => {
  const { positionals, options } = parseCommandArguments('status', args, OPTIONS, ['id']);
  const [sessionId] = positionals;
  const connected = await connect();
  const { description } = await findSession(connected, sessionId);
  const snapshot = await readSnapshot(connected, sessionId, stderr);
  if (options.json) stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
  else stdout.write(`${renderSnapshot(snapshot, { executionStatus: description?.status.name })}\n`);
  return ExitCode.ok;
};

async function readSnapshot(
  connected: Connected,
  sessionId: string,
  stderr: { write(text: string): unknown },
): Promise<SessionSnapshot> {
  const { snapshot, noWorkerAnswered } = await readSessionSnapshot(connected, sessionId);
  if (noWorkerAnswered)
    stderr.write('note: no worker answered the status query; showing the snapshot stored at the last idle\n');
  if (!snapshot) {
    throw new CliError(`session "${sessionId}" has no snapshot yet (no worker has picked it up?)`, ExitCode.failed);
  }
  return snapshot;
}
