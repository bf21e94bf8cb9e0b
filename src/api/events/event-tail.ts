/**
 * One reader of one event log, shared by every stream open on it (LogFollower: one watch, one poll, one read per
 * change). The log is on disk, in the worker's data dir, so a stream goes on while workers crash.
 *
 * Events are persisted in batches whose files land in any order, so the tail advances only over gap-free seqs:
 * an event is handed out once every event before it is on disk too, and none is ever skipped.
 */
import type { SessionEvent } from '../../domain/events';
import type { SessionStore } from '../../storage/session-store';
import { toApiEvent, ToolUseIndex, type ApiEvent } from './event-object';
import { ChangeSignal, LogFollower } from './log-follower';

/** How many of the newest events a tail keeps in memory for its streams; older ones are read from the store. */
const RECENT_EVENTS = 1_000;

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
  private readonly changes = new ChangeSignal();
  private readonly follower: LogFollower;
  private stopped = false;

  constructor(
    private readonly store: SessionStore,
    /** The log's id in the store: a session id, or `<session>/<thread>` for a thread's own log. */
    readonly logId: string,
    /**
     * Whether the log's session is gone (deleted, or archived with its workflow ended), asked when a read finds
     * nothing new: a deleted session writes no `session.status_terminated`, so without this its streams stay open.
     */
    private readonly sessionGone: () => Promise<boolean> = async () => false,
  ) {
    this.follower = new LogFollower(
      (onChange) => store.watchEvents(logId, onChange),
      () => this.readNew(),
    );
  }

  /** Reads the log so far (it builds the tool-use index every later event needs), then follows it. */
  async start(): Promise<void> {
    await this.readNew();
    this.follower.start();
  }

  stop(): void {
    this.stopped = true;
    this.follower.stop();
    this.changes.end();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** The seq of the newest event read. */
  get lastSeq(): number {
    return this.through;
  }

  /** Whether the log's session has ended at or before `seq` (its `session.status_terminated`): nothing follows. */
  endedBy(seq: number): boolean {
    return this.terminatedAt !== null && seq >= this.terminatedAt;
  }

  /** Resolves once new events have been read (or the tail stops). */
  nextChange(): Promise<void> {
    return this.changes.next();
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

  private async readNew(): Promise<void> {
    const events = gapFree(await this.store.readEvents(this.logId, { afterSeq: this.through }), this.through);
    if (events.length === 0) {
      if (await this.sessionGone()) this.stop();
      return;
    }
    for (const event of events) {
      this.recent.push({ seq: event.seq, event: toApiEvent(event, this.toolUses) });
      if (event.type === 'session.status_terminated') this.terminatedAt ??= event.seq;
    }
    if (this.recent.length > RECENT_EVENTS) this.recent.splice(0, this.recent.length - RECENT_EVENTS);
    this.through = events[events.length - 1].seq;
    this.changes.fire();
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
