import type { Pool } from 'pg';
import { sessionRecordFormat } from '../records/session-record-records';
import type { SessionRecord, SessionRecordStore } from '../session-record-store';

/** {@link SessionRecordStore} on PostgreSQL: a row a record, replaced whole by `put`. */
export class PgSessionRecordStore implements SessionRecordStore {
  constructor(private readonly pool: Pool) {}

  async put(record: SessionRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO lucid_session_records (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record',
      [record.id, sessionRecordFormat.serialize(record)],
    );
  }

  async get(sessionId: string): Promise<SessionRecord | null> {
    const { rows } = await this.pool.query<{ record: unknown }>(
      'SELECT record FROM lucid_session_records WHERE id = $1',
      [sessionId],
    );
    return rows[0] ? sessionRecordFormat.fromRecord(rows[0].record, location(sessionId)) : null;
  }

  async list(): Promise<SessionRecord[]> {
    const { rows } = await this.pool.query<{ id: string; record: unknown }>(
      'SELECT id, record FROM lucid_session_records',
    );
    return rows.map((row) => sessionRecordFormat.fromRecord(row.record, location(row.id)));
  }

  async delete(sessionId: string): Promise<void> {
    await this.pool.query('DELETE FROM lucid_session_records WHERE id = $1', [sessionId]);
  }
}

const location = (sessionId: string) => `postgres lucid_session_records (${sessionId})`;
