import type { Pool } from 'pg';
import type { ApiEnvironment } from '../../domain/environment';
import type { EnvironmentStore } from '../environment-store';
import { environmentFormat } from '../records/environment-records';
import { inTransaction } from './database';

/**
 * {@link EnvironmentStore} on PostgreSQL: a row an environment. An update holds the row's lock from its read to its
 * write, so changes from any number of servers apply one after another and none revives a deleted environment.
 */
export class PgEnvironmentStore implements EnvironmentStore {
  constructor(private readonly pool: Pool) {}

  async create(environment: ApiEnvironment): Promise<void> {
    await this.pool.query('INSERT INTO lucid_environments (id, record) VALUES ($1, $2)', [
      environment.id,
      environmentFormat.serialize(environment),
    ]);
  }

  async get(environmentId: string): Promise<ApiEnvironment | null> {
    const { rows } = await this.pool.query<{ record: unknown }>('SELECT record FROM lucid_environments WHERE id = $1', [
      environmentId,
    ]);
    return rows[0] ? environmentFormat.fromRecord(rows[0].record, location(environmentId)) : null;
  }

  update(environmentId: string, change: (current: ApiEnvironment) => ApiEnvironment): Promise<ApiEnvironment | null> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ record: unknown }>(
        'SELECT record FROM lucid_environments WHERE id = $1 FOR UPDATE',
        [environmentId],
      );
      if (!rows[0]) return null;
      const current = environmentFormat.fromRecord(rows[0].record, location(environmentId));
      const next = change(current);
      await client.query('UPDATE lucid_environments SET record = $2 WHERE id = $1', [
        environmentId,
        environmentFormat.serialize(next),
      ]);
      return next;
    });
  }

  async list(): Promise<ApiEnvironment[]> {
    const { rows } = await this.pool.query<{ id: string; record: unknown }>(
      'SELECT id, record FROM lucid_environments',
    );
    return rows.map((row) => environmentFormat.fromRecord(row.record, location(row.id)));
  }

  async delete(environmentId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM lucid_environments WHERE id = $1', [environmentId]);
    return (rowCount ?? 0) > 0;
  }
}

const location = (environmentId: string) => `postgres lucid_environments (${environmentId})`;
