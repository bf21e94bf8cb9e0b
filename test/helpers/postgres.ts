import type { Pool } from 'pg';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../scripts/lib/throwaway-postgres';
import { openPool } from '../../src/storage/postgres/database';
import { migrate } from '../../src/storage/postgres/migrations';

/**
 * A throwaway PostgreSQL server for one test file, and a fresh migrated database on it. Call in the file's body:
 * it registers its own beforeAll/afterAll.
 */
export function usePostgres(options: { database?: string } = {}): {
  server: () => ThrowawayPostgres;
  pool: () => Pool;
  url: () => string;
} {
  let server: ThrowawayPostgres | undefined;
  let pool: Pool | undefined;
  let url = '';
  beforeAll(async () => {
    server = await startThrowawayPostgres();
    url = await server.createDatabase(options.database ?? 'lucid_test');
    pool = openPool({ url, poolSize: 10 });
    await migrate(pool);
  });
  afterAll(async () => {
    await pool?.end();
    server?.destroy();
  });
  return {
    server: () => defined(server),
    pool: () => defined(pool),
    url: () => url,
  };
}

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('PostgreSQL is not started yet (use it inside a test or hook)');
  return value;
}
