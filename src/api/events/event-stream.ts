/**
 * `events.stream` as Server-Sent Events the SDK's Stream parses: each event is an `event: <type>` line and a
 * `data: <json>` line (plus an `id:` line, the resume cursor a standard EventSource sends back as Last-Event-ID;
 * the SDK ignores it). Headers go out at once, since the SDK's timeout covers only the wait for them; `ping`
 * frames (which the SDK skips) keep idle connections open. With `event_deltas[]=agent.message` the stream also
 * carries the `event_start` / `event_delta` previews of agent messages not yet stored (no `id:` line: they are
 * not resume points). The stream ends after `session.status_terminated`, or when the client goes, which stops
 * all the server's work for it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DeltaRecord } from '../../domain/event-deltas';
import type { DeltaTail } from './delta-tail';
import { DELTA_CURSOR_START } from './delta-tail';
import { apiEventId, type ApiEvent } from './event-object';
import type { EventTail } from './event-tail';
import type { SharedFollowers } from './log-follower';

/** Events written per wake-up, so one stream catching up far back does not hold the others' turn. */
const BATCH = 200;
/** A client this far behind (bytes the socket has not taken) is dropped: it reconnects with its cursor. */
const MAX_UNSENT_BYTES = 8 * 1024 * 1024;

export interface StreamFollowers {
  events: SharedFollowers<EventTail>;
  deltas: SharedFollowers<DeltaTail>;
}

export interface StreamRequest {
  /** The log to follow (a session id, or `<session>/<thread>`). */
  logId: string;
  /** Send the events after this seq; null for "from now" (the API's default: a live tail). */
  afterSeq: number | null;
  /** Whether to send previews of `agent.message` events (`event_deltas[]`; Lucid previews no other type). */
  previews: boolean;
  heartbeatMs: number;
}

export async function serveEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  followers: StreamFollowers,
  { logId, afterSeq, previews, heartbeatMs }: StreamRequest,
): Promise<void> {
  // Before the headers: a log the server cannot read is still an ordinary error answer.
  const events = await followers.events.acquire(logId);
  const deltas = previews ? await followers.deltas.acquire(logId).catch(() => null) : null;
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'close', // the stream is the connection's last answer
    'x-accel-buffering': 'no', // a proxy in front must not hold frames back
  });
  response.flushHeaders();

  let open = true;
  const closed = new Promise<void>((resolve) => {
    response.once('close', () => {
      open = false;
      resolve();
    });
  });
  const heartbeat = setInterval(() => write(response, PING), heartbeatMs);
  try {
    await pump(events.value, deltas?.value ?? null, afterSeq ?? events.value.lastSeq, {
      isOpen: () => open,
      closed,
      send: (frame) => write(response, frame),
    });
  } catch (error) {
    request.log.error({ err: error }, 'event stream failed');
    if (open) write(response, errorFrame(request.id));
  } finally {
    clearInterval(heartbeat);
    events.release();
    deltas?.release();
    response.end();
  }
}

interface Sink {
  isOpen(): boolean;
  closed: Promise<void>;
  /** False when the client cannot keep up. */
  send(frame: string): boolean;
}

/** Sends every event after `seq` (and the previews of those not stored yet) as they arrive. */
async function pump(tail: EventTail, deltas: DeltaTail | null, seq: number, sink: Sink): Promise<void> {
  let last = seq;
  let deltaCursor = DELTA_CURSOR_START;
  while (sink.isOpen() && !tail.isStopped && !tail.endedBy(last)) {
    // Before reading, so a change read meanwhile still wakes us.
    const changes = [tail.nextChange(), ...(deltas ? [deltas.nextChange()] : [])];
    const batch = await tail.eventsAfter(last, BATCH);
    for (const { seq: next, event } of batch) {
      if (!sink.isOpen() || !sink.send(eventFrame(event))) return;
      last = next;
    }
    let previewed = 0;
    if (deltas) {
      const { cursor, records } = deltas.after(deltaCursor);
      deltaCursor = cursor;
      for (const record of records.filter((candidate) => candidate.seq > last)) {
        if (!sink.isOpen() || !sink.send(previewFrame(record))) return;
        previewed++;
      }
    }
    if (batch.length === 0 && previewed === 0) await Promise.race([...changes, sink.closed]);
  }
}

const PING = 'event: ping\ndata: {"type":"ping"}\n\n';

function eventFrame(event: ApiEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** A preview in the API's shape: Lucid's `seq` dropped, ids as the events will have them. */
function previewFrame(record: DeltaRecord): string {
  const { seq: _seq, ...frame } = record;
  const data =
    frame.type === 'event_start'
      ? { ...frame, event: { ...frame.event, id: apiEventId(frame.event.id) } }
      : { ...frame, event_id: apiEventId(frame.event_id) };
  return `event: ${frame.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The SDK raises an `event: error` frame as an APIError of its `error.type`. */
function errorFrame(requestId: string): string {
  const body = {
    type: 'error',
    error: { type: 'api_error', message: 'the event stream failed; reconnect with the last event id' },
    request_id: requestId,
  };
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}

/** Writes a frame; false (and the connection dropped) when the client lets too much pile up. */
function write(response: FastifyReply['raw'], text: string): boolean {
  if (response.destroyed || response.writableEnded) return false;
  response.write(text);
  if (response.writableLength > MAX_UNSENT_BYTES) {
    response.destroy();
    return false;
  }
  return true;
}
