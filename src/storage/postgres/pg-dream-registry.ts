import type { Pool } from 'pg';
import type { Dream } from '../../domain/dream';
import type { DreamRegistry } from '../dream-registry';
import { dreamApiRecordFormat, dreamFormat, type DreamApiRecord, type StoreHold } from '../records/dream-records';

/** Rounds of taking a hold that a dream which ended left behind, when other dreams race for it too. */
const HOLD_ATTEMPTS = 10;

/**
 * {@link DreamRegistry} on PostgreSQL. Each step that the filesystem registry makes with an exclusive create is a
 * single statement here, so dreams started by workers on different hosts agree: a hold is taken by an insert that
 * only one wins, or by replacing a holder that has ended only if it is still that holder; the "last dreamt over"
 * mark only moves forward.
 */
export class PgDreamRegistry implements DreamRegistry {
  constructor(private readonly pool: Pool) {}

  async saveDream(dream: Dream): Promise<void> {
    await this.pool.query(
      `INSERT INTO lucid_dreams (id, created_at, record) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET created_at = EXCLUDED.created_at, record = EXCLUDED.record`,
      [dream.id, dream.created_at, dreamFormat.serialize(dream)],
    );
    // A dream that read sessions and finished moves the store's "since last dream" mark to when it started reading.
    if (dream.status === 'completed' && dream.phase !== 'skipped') {
      await this.pool.query(
        `INSERT INTO lucid_dream_marks (store_id, last_dream_at, last_dream_id) VALUES ($1, $2, $3)
         ON CONFLICT (store_id) DO UPDATE SET last_dream_at = EXCLUDED.last_dream_at, last_dream_id = EXCLUDED.last_dream_id
         WHERE lucid_dream_marks.last_dream_at < EXCLUDED.last_dream_at`,
        [dream.memory_store_id, dream.created_at, dream.id],
      );
    }
  }

  async readDream(dreamId: string): Promise<Dream | null> {
    const { rows } = await this.pool.query<{ record: unknown }>('SELECT record FROM lucid_dreams WHERE id = $1', [
      dreamId,
    ]);
    return rows[0] ? dreamFormat.fromRecord(rows[0].record, `postgres lucid_dreams (${dreamId})`) : null;
  }

  async listDreams(): Promise<Dream[]> {
    const { rows } = await this.pool.query<{ id: string; record: unknown }>(
      'SELECT id, record FROM lucid_dreams ORDER BY created_at DESC',
    );
    return rows.map((row) => dreamFormat.fromRecord(row.record, `postgres lucid_dreams (${row.id})`));
  }

  async lastDreamAt(storeId: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ last_dream_at: string }>(
      'SELECT last_dream_at FROM lucid_dream_marks WHERE store_id = $1',
      [storeId],
    );
    return rows[0]?.last_dream_at ?? null;
  }

  async hold(
    storeId: string,
    dreamId: string,
    isRunning: (dreamId: string) => Promise<boolean>,
  ): Promise<StoreHold | null> {
    const since = new Date().toISOString();
    for (let attempt = 1; attempt <= HOLD_ATTEMPTS; attempt++) {
      const taken = await this.pool.query(
        'INSERT INTO lucid_dream_holds (store_id, dream_id, since) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [storeId, dreamId, since],
      );
      if (taken.rowCount === 1) return null;
      const { rows } = await this.pool.query<StoreHold>(
        'SELECT dream_id, since FROM lucid_dream_holds WHERE store_id = $1',
        [storeId],
      );
      const holder = rows[0];
      if (!holder) continue; // released meanwhile: try to take it again
      if (holder.dream_id === dreamId) return null;
      if (await isRunning(holder.dream_id)) return holder;
      // Left behind by a dream that has ended: ours if nobody replaced that holder first.
      const replaced = await this.pool.query(
        'UPDATE lucid_dream_holds SET dream_id = $3, since = $4 WHERE store_id = $1 AND dream_id = $2',
        [storeId, holder.dream_id, dreamId, since],
      );
      if (replaced.rowCount === 1) return null;
    }
    throw new Error(`could not take the hold on memory store ${storeId}: ${HOLD_ATTEMPTS} rounds of contention`);
  }

  async release(storeId: string, dreamId: string): Promise<void> {
    await this.pool.query('DELETE FROM lucid_dream_holds WHERE store_id = $1 AND dream_id = $2', [storeId, dreamId]);
  }

  async saveApiRecord(record: DreamApiRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO lucid_dream_api_records (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record',
      [record.id, dreamApiRecordFormat.serialize(record)],
    );
  }

  async readApiRecord(dreamId: string): Promise<DreamApiRecord | null> {
    const { rows } = await this.pool.query<{ record: unknown }>(
      'SELECT record FROM lucid_dream_api_records WHERE id = $1',
      [dreamId],
    );
    return rows[0]
      ? dreamApiRecordFormat.fromRecord(rows[0].record, `postgres lucid_dream_api_records (${dreamId})`)
      : null;
  }

  async listApiRecords(): Promise<DreamApiRecord[]> {
    const { rows } = await this.pool.query<{ id: string; record: unknown }>(
      'SELECT id, record FROM lucid_dream_api_records',
    );
    return rows.map((row) =>
      dreamApiRecordFormat.fromRecord(row.record, `postgres lucid_dream_api_records (${row.id})`),
    );
  }
}
