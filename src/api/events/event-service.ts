/**
 * What the event routes do, over the event log store: list a log with the API's filters, and resolve where a
 * stream starts. A session exists for these routes once the API has its record (an API session, even one with no
 * events yet), the store has its log or its snapshot (what a worker writes), or while its workflow runs (a session
 * just started, whose first events are not stored yet).
 */
import type { SessionEvent } from '../../domain/events';
import type { SessionRecordStore } from '../../storage/session-record-store';
import type { SessionStore } from '../../storage/session-store';
import { invalidRequest, notFound } from '../api-error';
import { paginate, type Page } from '../pagination';
import { seqOfApiEventId, toApiEvents, type ApiEvent } from './event-object';
import type { EventListQuery, EventStreamQuery } from './event-params';

export type EventFilter = Omit<EventListQuery, 'limit' | 'page'>;

/** Whether a session's workflow is running (LucidClient.isRunning); absent when the server has no Temporal. */
export type RunningCheck = (sessionId: string) => Promise<boolean>;

export class EventService {
  constructor(
    private readonly store: SessionStore,
    private readonly isRunning?: RunningCheck,
    private readonly records?: SessionRecordStore,
  ) {}

  async requireSession(sessionId: string): Promise<void> {
    if (!(await this.exists(sessionId))) throw notFound(`no session ${sessionId}`);
  }

  async exists(sessionId: string): Promise<boolean> {
    if (this.records && (await this.records.get(sessionId))) return true;
    if (await this.hasLog(sessionId)) return true;
    return this.isRunning !== undefined && (await this.isRunning(sessionId));
  }

  /**
   * Whether a session's streams are over: it was deleted, or it is archived and its workflow has ended (its
   * `session.status_terminated`, when it wrote one, has ended them already).
   */
  async hasEnded(sessionId: string): Promise<boolean> {
    const record = await this.records?.get(sessionId);
    if (record) return record.archived_at !== null && !(await this.isRunning?.(sessionId));
    return !(await this.exists(sessionId));
  }

  /** Whether the store has a log or a snapshot under `logId`. */
  async hasLog(logId: string): Promise<boolean> {
    if ((await this.store.readEvents(logId, { limit: 1 })).length > 0) return true;
    return (await this.store.readSnapshot(logId)) !== null;
  }

  /** The whole log in the API's shape, each event with its seq (the tool-use index needs every earlier event). */
  async readLog(logId: string): Promise<Array<{ seq: number; event: ApiEvent }>> {
    const stored: SessionEvent[] = await this.store.readEvents(logId);
    const events = toApiEvents(stored);
    return stored.map((event, index) => ({ seq: event.seq, event: events[index] }));
  }

  /** One page of `logId`'s events, filtered and ordered as asked (by `processed_at`, which follows seq). */
  async list(logId: string, query: EventListQuery): Promise<Page<ApiEvent>> {
    const log = (await this.readLog(logId)).filter(({ event }) => matches(event, query));
    if (query.order === 'desc') log.reverse();
    const page = paginate(log, ({ seq }) => String(seq).padStart(12, '0'), query, query.order);
    return { data: page.data.map(({ event }) => event), next_page: page.next_page };
  }

  /**
   * Where a stream of `logId` starts: after the event named by the Last-Event-ID header or `last_event_id`,
   * from the start with `replay`, else from now (null).
   */
  streamStart(logId: string, header: string | string[] | undefined, query: EventStreamQuery): number | null {
    if (Array.isArray(header)) throw invalidRequest('Last-Event-ID: send one header');
    if (header !== undefined && query.last_event_id !== undefined && header !== query.last_event_id) {
      throw invalidRequest('Last-Event-ID and last_event_id name different events; send one');
    }
    const cursor = header ?? query.last_event_id;
    if (cursor === undefined) return query.replay ? 0 : null;
    const seq = seqOfApiEventId(logId, cursor);
    if (seq === null) throw invalidRequest(`last event id: ${cursor} is not an event of this log`);
    return seq;
  }
}

function matches(event: ApiEvent, filter: EventFilter): boolean {
  if (filter['types[]'] && !(filter['types[]'] as readonly string[]).includes(event.type)) return false;
  const at = Date.parse(event.processed_at);
  const bound = (key: keyof EventFilter) => {
    const value = filter[key];
    return typeof value === 'string' ? Date.parse(value) : undefined;
  };
  const [gt, gte, lt, lte] = [
    bound('created_at[gt]'),
    bound('created_at[gte]'),
    bound('created_at[lt]'),
    bound('created_at[lte]'),
  ];
  return (
    (gt === undefined || at > gt) &&
    (gte === undefined || at >= gte) &&
    (lt === undefined || at < lt) &&
    (lte === undefined || at <= lte)
  );
}
