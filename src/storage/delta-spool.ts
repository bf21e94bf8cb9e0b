import type { DeltaRecord } from '../domain/event-deltas';
import type { EventLogWatch } from './session-store';

/**
 * Where the model activity leaves live-text previews for the API server (src/domain/event-deltas.ts): one spool
 * per model request, the newest replacing the older ones. Best effort: previews are never needed for correctness.
 */
export interface DeltaSpool {
  /** Starts the spool of the request whose start event has `startSeq`, dropping the session's older ones. */
  begin(sessionId: string, startSeq: number): Promise<void>;
  append(sessionId: string, startSeq: number, records: readonly DeltaRecord[]): Promise<void>;
  /** The newest request's spool: its start seq and the records from `from` on (null when there is none). */
  readNewest(sessionId: string, from: { startSeq: number; index: number }): Promise<DeltaSpoolPage | null>;
  watch(sessionId: string, onChange: () => void): EventLogWatch | null;
}

export interface DeltaSpoolPage {
  startSeq: number;
  /** The records after the asked index when `startSeq` is the one asked for, else all of this spool's. */
  records: DeltaRecord[];
}
