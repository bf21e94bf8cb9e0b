/** `lucid status <id> [--json]`: the session's snapshot: status, turns, tokens, workspace, final message. */
import { dataDir } from '../../config';
import type { SessionSnapshot } from '../../domain/events';
import { FsSessionStore } from '../../storage/fs-session-store';
import { parseCommandArguments } from '../args';
import type { Command } from '../command';
import type { Connected } from '../connect';
import { CliError, ExitCode, isUnavailable } from '../errors';
import { renderSnapshot } from '../render-snapshot';
import { findSession } from '../session-lookup';

const OPTIONS = { json: { type: 'boolean' } } as const;

/**
 * A running session's snapshot comes from a query a worker answers. With no worker up, the server would hold
 * the query for a long time; the stored snapshot (as of the last idle) is shown instead after this long.
 */
const LIVE_QUERY_DEADLINE_MS = 5_000;

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

async function readSnapshot(connected: Connected, sessionId: string, stderr: { write(text: string): unknown }): Promise<SessionSnapshot> {
  let snapshot: SessionSnapshot | null;
  try {
    snapshot = await connected.temporal.withDeadline(Date.now() + LIVE_QUERY_DEADLINE_MS, () => connected.lucid.snapshot(sessionId));
  } catch (error) {
    if (isUnavailable(error)) throw error;
    stderr.write('note: no worker answered the status query; showing the snapshot stored at the last idle\n');
    snapshot = await new FsSessionStore(dataDir()).readSnapshot(sessionId);
  }
  if (!snapshot) {
    throw new CliError(`session "${sessionId}" has no snapshot yet (no worker has picked it up?)`, ExitCode.failed);
  }
  return snapshot;
}
