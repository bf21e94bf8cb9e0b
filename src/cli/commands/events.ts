/**
 * `lucid events <id> [--thread sthr_…] [--after SEQ] [--follow] [--json]`: prints a session's events, one a line.
 * `--json` prints each event as one JSON object a line (JSON Lines), for scripts and `jq`. `--thread` reads the
 * own log of one of the session's threads (its sub-agent session, `<id>/<sthr_…>`) instead of the lead's.
 */
import type { LucidClient } from '../../client';
import type { SessionEvent } from '../../domain/events';
import { threadSessionId } from '../../domain/threads';
import { CommandUsageError, parseCommandArguments, parseIntegerOption } from '../args';
import type { Command } from '../command';
import type { Connected } from '../connect';
import { CliError, ExitCode } from '../errors';
import { EventPrinter, type PrinterStream } from '../event-printer';
import { findSession } from '../session-lookup';

const OPTIONS = {
  after: { type: 'string' },
  follow: { type: 'boolean' },
  json: { type: 'boolean' },
  thread: { type: 'string' },
} as const;

/** Thread ids as leads make them (src/workflows/threads.ts); checked so a typo gets a clear message. */
const THREAD_ID_PATTERN = /^sthr_[A-Za-z0-9]+$/;

/** Events are read in pages of this many, so a long session is never loaded at once. */
const PAGE_SIZE = 500;

export const eventsCommand: Command = async (args, { stdout, connect }) => {
  const { positionals, options } = parseCommandArguments('events', args, OPTIONS, ['id']);
  const [leadId] = positionals;
  const afterSeq =
    options.after === undefined
      ? 0
      : parseIntegerOption('events', 'after', options.after, { min: 0, max: Number.MAX_SAFE_INTEGER });
  const threadId = options.thread === undefined ? undefined : checkThreadId(options.thread);
  const connected = await connect();
  const sessionId = await findLog(connected, leadId, threadId);
  const print = eventWriter(stdout, options.json ?? false);
  const events = options.follow
    ? connected.lucid.streamEvents(sessionId, { afterSeq })
    : readAllEvents(connected.lucid, sessionId, afterSeq);
  for await (const event of events) print(event);
  return ExitCode.ok;
};

function checkThreadId(threadId: string): string {
  if (!THREAD_ID_PATTERN.test(threadId)) {
    throw new CommandUsageError(
      `--thread must be a thread id (sthr_…, see: lucid threads <id>), got "${threadId}"`,
      'events',
    );
  }
  return threadId;
}

/**
 * The id of the session whose log to read: the session itself, or its thread's own session. An unknown thread
 * names both ids, which says more than the composite id would.
 */
async function findLog(connected: Connected, leadId: string, threadId: string | undefined): Promise<string> {
  if (threadId === undefined) {
    await findSession(connected, leadId);
    return leadId;
  }
  const sessionId = threadSessionId(leadId, threadId);
  try {
    await findSession(connected, sessionId);
  } catch (error) {
    if (!(error instanceof CliError) || error.exitCode !== ExitCode.unknownSession) throw error;
    throw new CliError(
      `no thread ${threadId} in session "${leadId}" (see: lucid threads ${leadId})`,
      ExitCode.unknownSession,
    );
  }
  return sessionId;
}

/** The events with seq > afterSeq that exist now, page by page. */
async function* readAllEvents(lucid: LucidClient, sessionId: string, afterSeq: number): AsyncGenerator<SessionEvent> {
  for (let lastSeq = afterSeq; ;) {
    const page = await lucid.readEvents(sessionId, { afterSeq: lastSeq, limit: PAGE_SIZE });
    yield* page;
    if (page.length < PAGE_SIZE) return;
    lastSeq = page[page.length - 1].seq;
  }
}

function eventWriter(stdout: PrinterStream, json: boolean): (event: SessionEvent) => void {
  if (json) return (event) => stdout.write(`${JSON.stringify(event)}\n`);
  const printer = new EventPrinter(stdout); // no progress line: this is a log, not a live view
  return (event) => printer.print(event);
}
