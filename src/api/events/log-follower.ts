/**
 * Following a file-backed log for the streams: a watch (a hint that something changed) backed by a slow poll (a
 * watch can miss a change, and cannot start before the log's folder exists). Reads are coalesced: one at a
 * time, and one more if a change came in during it. So a followed log costs one watch, one timer and one read per
 * change, however many streams share it.
 */
import type { EventLogWatch } from '../../storage/session-store';

const WATCHED_POLL_MS = 2_000;
const UNWATCHED_POLL_MS = 250;

export class LogFollower {
  private watch: EventLogWatch | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private stopped = false;

  constructor(
    private readonly watchLog: (onChange: () => void) => EventLogWatch | null,
    private readonly read: () => Promise<void>,
  ) {}

  start(): void {
    if (this.stopped) return;
    this.watch ??= this.watchLog(() => this.changed());
    this.timer = setTimeout(
      () => {
        this.changed();
        this.start();
      },
      this.watch ? WATCHED_POLL_MS : UNWATCHED_POLL_MS,
    );
  }

  stop(): void {
    this.stopped = true;
    this.watch?.close();
    if (this.timer) clearTimeout(this.timer);
  }

  private changed(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.read()
      .catch(() => undefined) // an unreadable moment (a vanished folder, a record mid-write): the next poll retries
      .finally(() => {
        this.reading = null;
        if (this.readAgain) {
          this.readAgain = false;
          this.changed();
        }
      });
  }
}

/** Promises that resolve at the next change: what a stream waits on between reads. */
export class ChangeSignal {
  private waiters: Array<() => void> = [];
  private done = false;

  next(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  fire(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Every later `next` resolves at once. */
  end(): void {
    this.done = true;
    this.fire();
  }
}

/** Followers in use, one per log, each kept while at least one stream holds it. */
export class SharedFollowers<T extends { start(): Promise<void>; stop(): void }> {
  private readonly entries = new Map<string, { value: T; ready: Promise<void>; users: number }>();

  constructor(private readonly create: (logId: string) => T) {}

  /** The follower of `logId`, started; call `release` when the stream ends. */
  async acquire(logId: string): Promise<{ value: T; release: () => void }> {
    let entry = this.entries.get(logId);
    if (!entry) {
      const value = this.create(logId);
      entry = { value, ready: value.start(), users: 0 };
      this.entries.set(logId, entry);
    }
    entry.users++;
    const held = entry;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--held.users === 0 && this.entries.get(logId) === held) {
        this.entries.delete(logId);
        held.value.stop();
      }
    };
    try {
      await held.ready;
    } catch (error) {
      release();
      throw error;
    }
    return { value: held.value, release };
  }

  stopAll(): void {
    for (const { value } of this.entries.values()) value.stop();
    this.entries.clear();
  }
}
