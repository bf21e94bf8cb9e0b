/**
 * `lucid events <id> [--after SEQ] [--follow] [--json]`: prints a session's events, one a line. `--json` prints
 * each event as one JSON object a line (JSON Lines), for scripts and `jq`.
 */
import type { LucidClient } from '../../client';
import type { SessionEvent } from '../../domain/events';
import { parseCommandArguments, parseIntegerOption } from '../args';
import type { Command } from '../command';
import { ExitCode } from '../errors';
import { EventPrinter, type PrinterStream } from '../event-printer';
import { findSession } from '../session-lookup';

const OPTIONS = {
  after: { type: 'string' },
  follow: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** Events are read in pages of this many, so a long session is never loaded at once. */
const PAGE_SIZE = 500;

export const eventsCommand: Command = async (args, { stdout, connect }) => {
  const { positionals, options } = parseCommandArguments('events', args, OPTIONS, ['id']);
  const [sessionId] = positionals;
  const afterSeq =
    options.after === undefined
      ? 0
      : parseIntegerOption('events', 'after', options.after, { min: 0, max: Number.MAX_SAFE_INTEGER });
  const connected = await connect();
  await findSession(connected, sessionId);
  const print = eventWriter(stdout, options.json ?? false);
  const events = options.follow
    ? connected.lucid.streamEvents(sessionId, { afterSeq })
    : readAllEvents(connected.lucid, sessionId, afterSeq);
  for await (const event of events) print(event);
  return ExitCode.ok;
};

/** The events with seq > afterSeq that exist now, page by page. */
async function* readAllEvents(lucid: LucidClient, sessionId: string, afterSeq: number): AsyncGenerator<SessionEvent> {
  for (let lastSeq = afterSeq; ; ) {
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
