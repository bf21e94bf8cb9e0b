/**
 * `events.stream` as Server-Sent Events the SDK's Stream parses: each event is an `event: <type>` line and a
 * `data: <json>` line (plus an `id:` line, the resume cursor a standard EventSource sends back as Last-Event-ID;
 * the SDK ignores it). Headers go out at once, since the SDK's timeout covers only the wait for them; `ping`
 * frames (which the SDK skips) keep idle connections open. The stream ends after `session.status_terminated`,
 * or when the client goes, which stops all the server's work for it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiEvent } from './event-object';
import type { EventTail, EventTails } from './event-tail';

/** Events written per wake-up, so one stream catching up far back does not hold the others' turn. */
const BATCH = 200;
/** A client this far behind (bytes the socket has not taken) is dropped: it reconnects with its cursor. */
const MAX_UNSENT_BYTES = 8 * 1024 * 1024;

export interface StreamRequest {
  /** The log to follow (a session id, or `<session>/<thread>`). */
  logId: string;
  /** Send the events after this seq; null for "from now" (the API's default: a live tail). */
  afterSeq: number | null;
  heartbeatMs: number;
}

export async function serveEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  tails: EventTails,
  { logId, afterSeq, heartbeatMs }: StreamRequest,
): Promise<void> {
  // Before the headers: a log the server cannot read is still an ordinary error answer.
  const { tail, release } = await tails.acquire(logId);
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
    await pump(tail, afterSeq ?? tail.lastSeq, {
      isOpen: () => open,
      closed,
      send: (event) => write(response, frame(event)),
    });
  } catch (error) {
    request.log.error({ err: error }, 'event stream failed');
    if (open) write(response, errorFrame(request.id));
  } finally {
    clearInterval(heartbeat);
    release();
    response.end();
  }
}

interface Sink {
  isOpen(): boolean;
  closed: Promise<void>;
  /** False when the client cannot keep up. */
  send(event: ApiEvent): boolean;
}

/** Sends every event after `seq` as it arrives, until the session ends or the client goes. */
async function pump(tail: EventTail, seq: number, sink: Sink): Promise<void> {
  let last = seq;
  while (sink.isOpen() && !tail.isStopped && !tail.endedBy(last)) {
    const change = tail.nextChange(); // before reading, so an event read meanwhile still wakes us
    const batch = await tail.eventsAfter(last, BATCH);
    for (const { seq: next, event } of batch) {
      if (!sink.isOpen()) return;
      if (!sink.send(event)) return;
      last = next;
    }
    if (batch.length === 0) await Promise.race([change, sink.closed]);
  }
}

const PING = 'event: ping\ndata: {"type":"ping"}\n\n';

function frame(event: ApiEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
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
