import type { Pool } from 'pg';
import type { SessionEvent, SessionSnapshot } from '../../domain/events';
import { sessionEventFormat, sessionSnapshotFormat } from '../records/session-records';
import type { EventLogWatch, SessionStore } from '../session-store';
import { inTransaction } from './database';
import { EVENTS_CHANNEL, EventNotifications } from './event-notifications';

/**
 * PostgreSQL session store: one row an event, keyed by (session, seq), so a retried write of the same seq replaces
 * the row with identical content instead of adding one (the filesystem store's one file a seq). Records are the
 * same versioned JSON the filesystem store writes (records/session-records.ts), in `json` columns, which keep the
 * text as written (jsonb would refuse a tool output holding \u0000 and reorder keys); PostgreSQL moves large
 * values (long tool output) out of the table's pages on its own (TOAST), so the index stays small.
 */
export class PgSessionStore implements SessionStore {
  private readonly notifications: EventNotifications;

  constructor(private readonly pool: Pool) {
    this.notifications = new EventNotifications(pool);
  }

  async appendEvents(sessionId: string, events: readonly SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    // One row a seq: a batch that repeats a seq (a retry merged in) keeps its last, as one statement must.
    const bySeq = new Map(events.map((event) => [event.seq, event]));
    const rows = [...bySeq.values()];
    await this.pool.query(
      `INSERT INTO lucid_session_events (session_id, seq, record)
         SELECT $1, seq, record FROM unnest($2::integer[], $3::json[]) AS written (seq, record)
       ON CONFLICT (session_id, seq) DO UPDATE SET record = EXCLUDED.record`,
      [sessionId, rows.map((event) => event.seq), rows.map((event) => sessionEventFormat.serialize(event))],
    );
    await this.pool.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, sessionId]);
  }

  async readEvents(sessionId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<SessionEvent[]> {
    const { afterSeq = 0, limit } = options;
    const { rows } = await this.pool.query<{ seq: number; record: unknown }>(
      `SELECT seq, record FROM lucid_session_events
        WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [sessionId, afterSeq, limit ?? null],
    );
    return rows.map((row) => sessionEventFormat.fromRecord(row.record, eventLocation(sessionId, row.seq)));
  }

  watchEvents(sessionId: string, onChange: () => void): EventLogWatch {
    return this.notifications.watch(sessionId, onChange);
  }

  async saveSnapshot(snapshot: SessionSnapshot): Promise<void> {
    await this.pool.query(
      `INSERT INTO lucid_session_snapshots (session_id, created_at, record) VALUES ($1, $2, $3)
       ON CONFLICT (session_id) DO UPDATE SET created_at = EXCLUDED.created_at, record = EXCLUDED.record`,
      [snapshot.session_id, snapshot.created_at, sessionSnapshotFormat.serialize(snapshot)],
    );
  }

  async readSnapshot(sessionId: string): Promise<SessionSnapshot | null> {
    const { rows } = await this.pool.query<{ record: unknown }>(
      'SELECT record FROM lucid_session_snapshots WHERE session_id = $1',
      [sessionId],
    );
    return rows[0] ? sessionSnapshotFormat.fromRecord(rows[0].record, snapshotLocation(sessionId)) : null;
  }

  async listSnapshots(): Promise<SessionSnapshot[]> {
    const { rows } = await this.pool.query<{ session_id: string; record: unknown }>(
      'SELECT session_id, record FROM lucid_session_snapshots ORDER BY created_at DESC, session_id',
    );
    return rows.map((row) => sessionSnapshotFormat.fromRecord(row.record, snapshotLocation(row.session_id)));
  }

  async deleteSession(sessionId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      for (const table of SESSION_TABLES) {
        await client.query(`DELETE FROM ${table} WHERE session_id = $1`, [sessionId]);
      }
    });
  }

  /** Stops listening for appends; the pool belongs to whoever opened it. */
  close(): Promise<void> {
    return this.notifications.close();
  }
}

/** What a session leaves in the database, all of it removed with the session (the filesystem store's folder). */
const SESSION_TABLES = [
  'lucid_session_events',
  'lucid_session_snapshots',
  'lucid_tool_journal',
  'lucid_memory_journal',
  'lucid_delta_spools',
  'lucid_delta_spool_heads',
] as const;

/** Where a record is, for a StoredRecordError's message (the filesystem store names the file). */
const eventLocation = (sessionId: string, seq: number) => `postgres lucid_session_events (${sessionId}, ${seq})`;
const snapshotLocation = (sessionId: string) => `postgres lucid_session_snapshots (${sessionId})`;
