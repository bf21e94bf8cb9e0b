import type { Pool } from 'pg';
import { DeltaRecordSchema, type DeltaRecord } from '../../domain/event-deltas';
import type { DeltaSpool, DeltaSpoolPage } from '../delta-spool';
import type { EventLogWatch } from '../session-store';
import { inTransaction } from './database';
import { EventNotifications } from './event-notifications';

/** The channel appends to a spool notify on; the payload is the session id. */
export const DELTAS_CHANNEL = 'lucid_event_deltas';

/**
 * {@link DeltaSpool} on PostgreSQL: a row a delta record, in the order appended, under the request's start seq, so
 * an HTTP server on any host streams the live text of a model request a worker on another host is receiving.
 * Previews only: a record that does not parse is skipped, as the filesystem spool skips a torn line.
 */
export class PgDeltaSpool implements DeltaSpool {
  private readonly notifications: EventNotifications;

  constructor(private readonly pool: Pool) {
    this.notifications = new EventNotifications(pool, DELTAS_CHANNEL);
  }

  async begin(sessionId: string, startSeq: number): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO lucid_delta_spool_heads (session_id, start_seq) VALUES ($1, $2)
         ON CONFLICT (session_id) DO UPDATE SET start_seq = GREATEST(lucid_delta_spool_heads.start_seq, EXCLUDED.start_seq)`,
        [sessionId, startSeq],
      );
      await client.query('DELETE FROM lucid_delta_spools WHERE session_id = $1 AND start_seq < $2', [
        sessionId,
        startSeq,
      ]);
    });
    await this.pool.query('SELECT pg_notify($1, $2)', [DELTAS_CHANNEL, sessionId]);
  }

  async append(sessionId: string, startSeq: number, records: readonly DeltaRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.pool.query(
      `INSERT INTO lucid_delta_spools (session_id, start_seq, record)
         SELECT $1, $2, record FROM unnest($3::json[]) WITH ORDINALITY AS appended (record, n) ORDER BY n`,
      [sessionId, startSeq, records.map((record) => JSON.stringify(record))],
    );
    await this.pool.query('SELECT pg_notify($1, $2)', [DELTAS_CHANNEL, sessionId]);
  }

  async readNewest(sessionId: string, from: { startSeq: number; index: number }): Promise<DeltaSpoolPage | null> {
    const head = await this.pool.query<{ start_seq: number }>(
      'SELECT start_seq FROM lucid_delta_spool_heads WHERE session_id = $1',
      [sessionId],
    );
    if (!head.rows[0]) return null;
    const startSeq = head.rows[0].start_seq;
    const { rows } = await this.pool.query<{ record: unknown }>(
      'SELECT record FROM lucid_delta_spools WHERE session_id = $1 AND start_seq = $2 ORDER BY position',
      [sessionId, startSeq],
    );
    const records = rows.flatMap((row) => {
      const parsed = DeltaRecordSchema.safeParse(row.record);
      return parsed.success ? [parsed.data] : [];
    });
    return { startSeq, records: startSeq === from.startSeq ? records.slice(from.index) : records };
  }

  watch(sessionId: string, onChange: () => void): EventLogWatch {
    return this.notifications.watch(sessionId, onChange);
  }

  close(): Promise<void> {
    return this.notifications.close();
  }
}
