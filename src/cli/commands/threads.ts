/**
 * `lucid threads <id> [--follow] [--json]`: a session's thread tree — the session, then each thread (sub-agent
 * session) and its own threads, with agent, status, model requests and tokens. `--follow` redraws it until the
 * session ends. The numbers come from each session's live snapshot, or the stored one once it has ended.
 */
import type { SessionSnapshot } from '../../domain/events';
import { parseCommandArguments } from '../args';
import type { Command } from '../command';
import type { Connected } from '../connect';
import { CliError, ExitCode, type ExitCodeValue } from '../errors';
import type { PrinterStream } from '../event-printer';
import { LiveView } from '../live-view';
import { renderThreadTree } from '../render-thread-tree';
import { findSession } from '../session-lookup';
import { readSessionSnapshot } from '../snapshot-reader';
import { buildThreadTree, type SnapshotReader, type ThreadTreeNode } from '../thread-tree';

const OPTIONS = {
  follow: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** How often `--follow` reads the snapshots again: often enough to look live, rarely enough to cost little. */
const FOLLOW_INTERVAL_MS = 1_000;

export const threadsCommand: Command = async (args, { stdout, stderr, connect }) => {
  const { positionals, options } = parseCommandArguments('threads', args, OPTIONS, ['id']);
  const [sessionId] = positionals;
  const connected = await connect();
  await findSession(connected, sessionId);
  const read = snapshotReader(connected, stderr);
  if (options.follow) return followTree(connected, sessionId, read, { stdout, json: options.json ?? false });
  const tree = await readTree(sessionId, read);
  if (!tree)
    throw new CliError(`session "${sessionId}" has no snapshot yet (no worker has picked it up?)`, ExitCode.failed);
  stdout.write(options.json ? `${JSON.stringify(tree, null, 2)}\n` : `${renderThreadTree(tree).join('\n')}\n`);
  return ExitCode.ok;
};

/** The tree under the session, or null while the session has no snapshot at all. */
async function readTree(sessionId: string, read: SnapshotReader): Promise<ThreadTreeNode | null> {
  const root = await read(sessionId);
  return root ? buildThreadTree(root, read) : null;
}

/**
 * Reads snapshots live where a worker answers, stored otherwise; says once on stderr when the stored ones stand
 * in for running sessions, since the numbers are then older than they look.
 */
function snapshotReader(connected: Connected, stderr: PrinterStream): SnapshotReader {
  let noted = false;
  return async (sessionId: string): Promise<SessionSnapshot | null> => {
    const { snapshot, noWorkerAnswered } = await readSessionSnapshot(connected, sessionId);
    if (noWorkerAnswered && !noted) {
      stderr.write('note: no worker answered the status query; showing snapshots stored at the last idle\n');
      noted = true;
    }
    return snapshot;
  };
}

/**
 * Redraws the tree until the session's workflow closes, then shows it once more as it ended. Whether the session
 * still runs is asked before the tree is read, so the last tree shown is never older than the end.
 */
async function followTree(
  connected: Connected,
  sessionId: string,
  read: SnapshotReader,
  { stdout, json }: { stdout: PrinterStream; json: boolean },
): Promise<ExitCodeValue> {
  const show = json ? jsonLinesWriter(stdout) : treeWriter(stdout);
  for (;;) {
    const running = await connected.lucid.isRunning(sessionId);
    const tree = await readTree(sessionId, read);
    if (tree) show(tree);
    if (!running) return ExitCode.ok;
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_INTERVAL_MS));
  }
}

/** One JSON object a line, written only when the tree changed. */
function jsonLinesWriter(stdout: PrinterStream): (tree: ThreadTreeNode) => void {
  let last = '';
  return (tree) => {
    const line = JSON.stringify(tree);
    if (line !== last) stdout.write(`${line}\n`);
    last = line;
  };
}

/** The table, redrawn in place on a terminal, else printed again when it changed; headed by when it was read. */
function treeWriter(stdout: PrinterStream): (tree: ThreadTreeNode) => void {
  const view = new LiveView(stdout);
  return (tree) => view.show(renderThreadTree(tree), `at ${clockTime(new Date())}`);
}

/** HH:MM:SS in the machine's time zone. */
function clockTime(date: Date): string {
  return date.toLocaleTimeString('en-GB', { hour12: false });
}
