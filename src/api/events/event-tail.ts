/**
 * One reader of one event log, shared by every stream open on it: the log is on disk (the worker's data dir), so
 * the tail watches it (inotify) and reads each new event file once, however many clients follow the session. A
 * slow poll backs the watch up (a watch can miss a change, and cannot start before the log's folder exists), so
 * a server's work per session is bounded: one watch, one timer, one read per change.
 *
 * Events are persisted in batches whose files land in any order, so the tail advances only over gap-free seqs:
 * an event is handed out once every event before it is on disk too, and none is ever skipped.
 */
import type { SessionEvent } from '../../domain/events';
import type { EventLogWatch, SessionStore } from '../../storage/session-store';
import { toApiEvent, ToolUseIndex, type ApiEvent } from './event-object';

/** How many of the newest events a tail keeps in memory for its streams; older ones are read from the store. */
const RECENT_EVENTS = 1_000;
/** The poll behind a watch, and the poll while the log's folder does not exist yet (a new session's first events). */
const WATCHED_POLL_MS = 2_000;
const UNWATCHED_POLL_MS = 250;

export interface TailedEvent {
  seq: number;
  event: ApiEvent;
}

export class EventTail {
  /** Every event with seq 1..through has been read. */
  private through = 0;
  private readonly recent: TailedEvent[] = [];
  private readonly toolUses = new ToolUseIndex();
  private terminatedAt: number | null = null;
  private waiters: Array<() => void> = [];
  private watch: EventLogWatch | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private stopped = false;

  constructor(
    private readonly store: SessionStore,
    /** The log's id in the store: a session id, or `<session>/<thread>` for a thread's own log. */
    readonly logId: string,
  ) {}

  /** Reads the log so far (it builds the tool-use index every later event needs), then follows it. */
  async start(): Promise<void> {
    await this.readNew();
    this.follow();
  }

  /** The seq of the newest event read. */
  get lastSeq(): number {
    return this.through;
  }

  /** Whether the log's session has ended at or before `seq` (its `session.status_terminated`): nothing follows. */
  endedBy(seq: number): boolean {
    return this.terminatedAt !== null && seq >= this.terminatedAt;
  }

  /** Up to `max` events after `seq`, in order and gap-free; empty when there are none yet. */
  async eventsAfter(seq: number, max: number): Promise<TailedEvent[]> {
    if (seq >= this.through) return [];
    const firstRecent = this.through - this.recent.length + 1;
    if (seq + 1 >= firstRecent) return this.recent.slice(seq + 1 - firstRecent, seq + 1 - firstRecent + max);
    // Older than the memory holds (a client resuming far back): read from the store; the index has seen them all.
    const stored = gapFree(await this.store.readEvents(this.logId, { afterSeq: seq, limit: max }), seq);
    return stored.map((event) => ({ seq: event.seq, event: toApiEvent(event, this.toolUses) }));
  }

  /** Resolves once new events have been read (or the tail stops). */
  nextChange(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    this.watch?.close();
    if (this.timer) clearTimeout(this.timer);
    this.wake();
  }

  private follow(): void {
    if (this.stopped) return;
    this.watch ??= this.store.watchEvents(this.logId, () => this.changed());
    this.timer = setTimeout(
      () => {
        this.changed();
        this.follow();
      },
      this.watch ? WATCHED_POLL_MS : UNWATCHED_POLL_MS,
    );
  }

  /** Coalesces change notices: one read at a time, and one more if a notice came in during it. */
  private changed(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.readNew()
      .catch(() => undefined) // an unreadable moment (a record mid-migration, a vanished folder): the next poll retries
      .finally(() => {
        this.reading = null;
        if (this.readAgain) {
          this.readAgain = false;
          this.changed();
        }
      });
  }

  private async readNew(): Promise<void> {
    const events = gapFree(await this.store.readEvents(this.logId, { afterSeq: this.through }), this.through);
    if (events.length === 0) return;
    for (const event of events) {
      this.recent.push({ seq: event.seq, event: toApiEvent(event, this.toolUses) });
      if (event.type === 'session.status_terminated') this.terminatedAt ??= event.seq;
    }
    if (this.recent.length > RECENT_EVENTS) this.recent.splice(0, this.recent.length - RECENT_EVENTS);
    this.through = events[events.length - 1].seq;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** The events that follow `afterSeq` without a gap: a batch still being written may have landed out of order. */
function gapFree(events: readonly SessionEvent[], afterSeq: number): SessionEvent[] {
  const run: SessionEvent[] = [];
  for (const event of events) {
    if (event.seq !== afterSeq + run.length + 1) break;
    run.push(event);
  }
  return run;
}

/** The tails in use, one per log, each kept while at least one stream follows it. */
export class EventTails {
  private readonly tails = new Map<string, { tail: EventTail; ready: Promise<void>; users: number }>();

  constructor(private readonly store: SessionStore) {}

  /** The tail of `logId`, started; call `release` when the stream ends. */
  async acquire(logId: string): Promise<{ tail: EventTail; release: () => void }> {
    let entry = this.tails.get(logId);
    if (!entry) {
      const tail = new EventTail(this.store, logId);
      entry = { tail, ready: tail.start(), users: 0 };
      this.tails.set(logId, entry);
    }
    entry.users++;
    const held = entry;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--held.users === 0 && this.tails.get(logId) === held) {
        this.tails.delete(logId);
        held.tail.stop();
      }
    };
    try {
      await held.ready;
    } catch (error) {
      release();
      throw error;
    }
    return { tail: held.tail, release };
  }

  /** Stops every tail: their streams end. */
  stopAll(): void {
    for (const { tail } of this.tails.values()) tail.stop();
    this.tails.clear();
  }

  /** How many logs are being followed (for tests: a closed stream leaves nothing behind). */
  get size(): number {
    return this.tails.size;
  }
}
