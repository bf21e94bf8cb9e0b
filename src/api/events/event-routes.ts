/**
 * `client.beta.sessions.events` list and stream, and the events of `client.beta.sessions.threads`: the routes,
 * each checking its input with zod first. (events.send is the sessions routes'.)
 */
import type { FastifyInstance } from 'fastify';
import { parseOrRefuse } from '../validate';
import type { DeltaSpool } from '../../storage/delta-spool';
import type { SessionRecordStore } from '../../storage/session-record-store';
import type { SessionStore } from '../../storage/session-store';
import { ThreadService } from '../threads/thread-service';
import type { ThreadWorkflows } from '../threads/thread-workflows';
import type { ThreadArchiveStore } from '../../storage/thread-archive-store';
import {
  EventListQuerySchema,
  EventStreamQuerySchema,
  NoQuerySchema,
  SessionPathSchema,
  ThreadEventListQuerySchema,
  ThreadListQuerySchema,
  ThreadPathSchema,
} from './event-params';
import { EventService, type RunningCheck } from './event-service';
import { DeltaTail } from './delta-tail';
import { serveEventStream, type StreamFollowers } from './event-stream';
import { EventTail } from './event-tail';
import { SharedFollowers } from './log-follower';

/** An idle stream's `ping` every 15 s: well inside the idle timeouts of common proxies. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

export interface EventRouteOptions {
  /** How often an idle stream sends a `ping` frame. */
  heartbeatMs?: number;
  /** Tells a session that runs but has stored nothing yet from one that does not exist. */
  isRunning?: RunningCheck;
  /** Threads' own workflows (thread-workflows.ts); without them threads cannot be archived. */
  threadWorkflows?: ThreadWorkflows;
}

export function eventRoutes(
  app: FastifyInstance,
  storage: {
    sessions: SessionStore;
    deltas: DeltaSpool;
    sessionRecords?: SessionRecordStore;
    threadArchives?: ThreadArchiveStore;
  },
  options: EventRouteOptions = {},
): void {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const store = storage.sessions;
  const events = new EventService(store, options.isRunning, storage.sessionRecords);
  const threads = new ThreadService(store, events, storage.threadArchives, options.threadWorkflows);
  // A thread's log (`<session>/<thread>`) ends with its session.
  const sessionGone = (logId: string) => () => events.hasEnded(logId.split('/')[0]);
  const tails: StreamFollowers = {
    events: new SharedFollowers((logId) => new EventTail(store, logId, sessionGone(logId))),
    deltas: new SharedFollowers((logId) => new DeltaTail(storage.deltas, logId)),
  };
  // Open streams would hold a closing server open for good: end them (clients reconnect with their cursor).
  app.addHook('preClose', async () => {
    tails.events.stopAll();
    tails.deltas.stopAll();
  });

  app.get('/v1/sessions/:session_id/events', async (request) => {
    const { session_id } = parseOrRefuse(SessionPathSchema, request.params, 'path');
    const query = parseOrRefuse(EventListQuerySchema, request.query, 'query');
    await events.requireSession(session_id);
    return events.list(session_id, query);
  });

  app.get('/v1/sessions/:session_id/events/stream', async (request, reply) => {
    const { session_id } = parseOrRefuse(SessionPathSchema, request.params, 'path');
    const query = parseOrRefuse(EventStreamQuerySchema, request.query, 'query');
    const afterSeq = events.streamStart(session_id, request.headers['last-event-id'], query);
    await events.requireSession(session_id);
    const previews = query['event_deltas[]']?.includes('agent.message') ?? false;
    await serveEventStream(request, reply, tails, { logId: session_id, afterSeq, previews, heartbeatMs });
  });

  app.get('/v1/sessions/:session_id/threads', async (request) => {
    const { session_id } = parseOrRefuse(SessionPathSchema, request.params, 'path');
    return threads.list(session_id, parseOrRefuse(ThreadListQuerySchema, request.query, 'query'));
  });

  app.get('/v1/sessions/:session_id/threads/:thread_id', async (request) => {
    const { session_id, thread_id } = parseOrRefuse(ThreadPathSchema, request.params, 'path');
    parseOrRefuse(NoQuerySchema, request.query, 'query');
    return threads.retrieve(session_id, thread_id);
  });

  app.post('/v1/sessions/:session_id/threads/:thread_id/archive', async (request) => {
    const { session_id, thread_id } = parseOrRefuse(ThreadPathSchema, request.params, 'path');
    return threads.archive(session_id, thread_id);
  });

  app.get('/v1/sessions/:session_id/threads/:thread_id/events', async (request) => {
    const { session_id, thread_id } = parseOrRefuse(ThreadPathSchema, request.params, 'path');
    const { limit, page } = parseOrRefuse(ThreadEventListQuerySchema, request.query, 'query');
    const logId = await threads.logOf(session_id, thread_id);
    return events.list(logId, { limit, page, order: 'asc' });
  });

  app.get('/v1/sessions/:session_id/threads/:thread_id/stream', async (request, reply) => {
    const { session_id, thread_id } = parseOrRefuse(ThreadPathSchema, request.params, 'path');
    const query = parseOrRefuse(EventStreamQuerySchema, request.query, 'query');
    const logId = await threads.logOf(session_id, thread_id);
    const afterSeq = events.streamStart(logId, request.headers['last-event-id'], query);
    const previews = query['event_deltas[]']?.includes('agent.message') ?? false;
    await serveEventStream(request, reply, tails, { logId, afterSeq, previews, heartbeatMs });
  });
}
