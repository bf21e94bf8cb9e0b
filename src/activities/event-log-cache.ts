import type { SessionEvent } from '../domain/events';
import { readWholeNumberVariables } from '../whole-number-variables';
import { WorkerSettingsError } from '../worker-settings';

/** The default budget of the model activity's copy of session logs, in megabytes of event JSON. */
export const DEFAULT_EVENT_CACHE_MB = 128;

/**
 * The model activity's in-memory copy of session logs, so that a turn reads from the store only the events
 * appended since the session's previous request instead of its whole log.
 *
 * It is bounded by the size of the events it holds (their JSON length), least recently used session out first,
 * and not by a count of sessions: a count (it was 64) made a worker turning over more sessions than that evict
 * each one just before its next turn, so every turn read its whole log again (bench:concurrency at 100 sessions on
 * one worker: 410 whole-log reads in 500 turns). A session whose log alone exceeds the budget is not kept, and
 * evicts nobody else.
 */
export class EventLogCache {
  private readonly entries = new Map<string, { events: SessionEvent[]; bytes: number }>();
  private heldBytes = 0;

  constructor(readonly maxBytes: number) {}

  /** The session's cached events (seq 1 onwards, no gap), counting as a use; undefined when none are held. */
  get(sessionId: string): SessionEvent[] | undefined {
    const entry = this.entries.get(sessionId);
    if (!entry) return undefined;
    this.entries.delete(sessionId); // re-insert: Map order is least recently used first
    this.entries.set(sessionId, entry);
    return entry.events;
  }

  /**
   * Adds events the store now holds for the session. Kept only when they follow on from the cached ones (or start
   * the log at seq 1 when none are cached); events already held (a retry rewriting the same seqs) and events after
   * a gap change nothing: the next read from the store fills in what is missing.
   */
  extend(sessionId: string, events: readonly SessionEvent[]): void {
    if (events.length === 0) return;
    const entry = this.entries.get(sessionId);
    const lastSeq = entry?.events.at(-1)?.seq ?? 0;
    if (events[0].seq !== lastSeq + 1) return;
    const bytes = events.reduce((sum, event) => sum + JSON.stringify(event).length, 0);
    if ((entry?.bytes ?? 0) + bytes > this.maxBytes) {
      this.drop(sessionId); // too big to keep at all: not worth evicting every other session for
      return;
    }
    if (entry) {
      entry.events.push(...events);
      entry.bytes += bytes;
    } else {
      this.entries.set(sessionId, { events: [...events], bytes });
    }
    this.heldBytes += bytes;
    this.evictOverBudget();
  }

  /** Sessions held, and the JSON length of their events. */
  get stats(): { sessions: number; bytes: number } {
    return { sessions: this.entries.size, bytes: this.heldBytes };
  }

  private evictOverBudget(): void {
    for (const sessionId of this.entries.keys()) {
      if (this.heldBytes <= this.maxBytes) return;
      this.drop(sessionId);
    }
  }

  private drop(sessionId: string): void {
    const entry = this.entries.get(sessionId);
    if (!entry) return;
    this.entries.delete(sessionId);
    this.heldBytes -= entry.bytes;
  }
}

/** The cache with its budget from LUCID_EVENT_CACHE_MB (0 keeps nothing); a bad value stops the worker. */
export function eventLogCacheFromEnvironment(env: NodeJS.ProcessEnv = process.env): EventLogCache {
  const { megabytes = DEFAULT_EVENT_CACHE_MB } = readWholeNumberVariables(
    env,
    [{ name: 'LUCID_EVENT_CACHE_MB', setting: 'megabytes', min: 0, max: 1_000_000 }],
    (message) => new WorkerSettingsError(message),
  );
  return new EventLogCache(megabytes * 1024 * 1024);
}
