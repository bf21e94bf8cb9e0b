import type { SessionEvent, SessionSnapshot } from '../domain/events';

export interface EventLogWatch {
  close(): void;
}

/**
 * Durable home of session event logs and snapshots. The event log outlives the workflow: later features
 * (dreaming) read finished sessions from here. A database implementation can replace the filesystem one.
 */
export interface SessionStore {
  /** Writes events keyed by `seq`. Idempotent: writing the same seq again replaces it with identical content. */
  appendEvents(sessionId: string, events: readonly SessionEvent[]): Promise<void>;
  /** Events with `seq > afterSeq`, in order, at most `limit`. */
  readEvents(sessionId: string, options?: { afterSeq?: number; limit?: number }): Promise<SessionEvent[]>;
  /**
   * Calls `onChange` whenever events may have been appended to the log: a hint to read again, not a delivery
   * (it may fire spuriously, and a store may miss some, so a tailing reader also polls now and then). Null when
   * the log cannot be watched yet (it has no events): the reader polls until it can.
   */
  watchEvents(sessionId: string, onChange: () => void): EventLogWatch | null;
  saveSnapshot(snapshot: SessionSnapshot): Promise<void>;
  readSnapshot(sessionId: string): Promise<SessionSnapshot | null>;
  listSnapshots(): Promise<SessionSnapshot[]>;
  /** Removes the session's event log, snapshot and journals; nothing happens for an unknown session. */
  deleteSession(sessionId: string): Promise<void>;
}
