import { eventId } from '../domain/ids';
import type { SessionEvent, SessionEventBody } from '../domain/events';

/** A page of the event log, as served by the `events` query. */
export interface EventsPage {
  events: SessionEvent[];
  /** Pass as `after_seq` to read on. */
  last_seq: number;
  /** Events below this seq are no longer held by the workflow (continue-as-new); read them from the store. */
  first_seq_in_memory: number;
  has_more: boolean;
}

export interface EventsPageRequest {
  after_seq?: number;
  limit?: number;
}

const MAX_PAGE = 1000;

/**
 * The workflow's view of the session's event log: it assigns gap-free sequence numbers, keeps this run's
 * events for queries and tracks which of them an activity has persisted yet. Deterministic: ids derive from
 * (session, seq) and `processed_at` is workflow time.
 */
export class EventLog {
  private readonly events: SessionEvent[] = [];
  private persistedCount = 0;
  private listeners: Array<(event: SessionEvent) => void> = [];

  constructor(
    private readonly sessionId: string,
    private nextSeq: number,
    /** A thread tags every event with its id, so a shared workspace's log says which sub-agent did what. */
    private readonly threadId?: string,
  ) {}

  static emptyPage(): EventsPage {
    return { events: [], last_seq: 0, first_seq_in_memory: 1, has_more: false };
  }

  emit<B extends SessionEventBody>(body: B): SessionEvent & B {
    const seq = this.nextSeq++;
    const tag = this.threadId ? { session_thread_id: this.threadId } : {};
    const event = { id: eventId(this.sessionId, seq), seq, processed_at: new Date().toISOString(), ...tag, ...body };
    this.events.push(event as SessionEvent);
    for (const listener of this.listeners) listener(event as SessionEvent);
    return event as SessionEvent & B;
  }

  /** Calls `listener` with every event emitted from now on (the context tracker counts them). */
  onEmit(listener: (event: SessionEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Events not yet persisted; call `markPersistedThrough` with the last one's seq once an activity stored them. */
  unpersisted(): SessionEvent[] {
    return this.events.slice(this.persistedCount);
  }

  /** By seq, not by count: two overlapping persists of the same events cannot skip any that came after them. */
  markPersistedThrough(seq: number): void {
    const firstSeq = this.nextSeq - this.events.length;
    this.persistedCount = Math.max(this.persistedCount, Math.min(this.events.length, seq - firstSeq + 1));
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  get seqForNext(): number {
    return this.nextSeq;
  }

  /**
   * Whether `id` names an event this log has not emitted yet: this session's id form (or the API's, with `_` for a
   * thread's `/`) with a seq from {@link seqForNext} on. An answer naming one may be early rather than wrong.
   */
  isFutureEventId(id: string): boolean {
    const prefix = eventId(this.sessionId, 0).slice(0, -1);
    for (const form of new Set([prefix, prefix.replaceAll('/', '_')])) {
      const seq = id.startsWith(form) ? id.slice(form.length) : '';
      if (/^[1-9][0-9]{0,15}$/.test(seq)) return Number(seq) >= this.nextSeq;
    }
    return false;
  }

  page({ after_seq = 0, limit = 100 }: EventsPageRequest = {}): EventsPage {
    const size = Math.max(1, Math.min(limit, MAX_PAGE));
    const newer = this.events.filter((event) => event.seq > after_seq);
    const events = newer.slice(0, size);
    return {
      events,
      last_seq: events.length ? events[events.length - 1].seq : after_seq,
      first_seq_in_memory: this.events.length ? this.events[0].seq : this.nextSeq,
      has_more: newer.length > size,
    };
  }
}
