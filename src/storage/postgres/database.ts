import { Pool, type PoolClient } from 'pg';
import { readWholeNumberVariables } from '../../whole-number-variables';
import { asStorageUnavailable } from '../storage-unavailable';
import { databaseTlsFromEnvironment, type DatabaseTls } from './database-tls';

/**
 * Where Lucid's PostgreSQL is: `LUCID_DATABASE_URL`, a `postgres://user:password@host:port/database` URL. TLS is
 * set either by the LUCID_DATABASE_TLS_* variables (./database-tls.ts, named as Temporal's envconfig) or in the URL
 * as libpq does it (`?sslmode=verify-full&sslrootcert=/path/ca.pem`, `sslcert=`, `sslkey=`), which node-postgres
 * reads. Without the variable Lucid keeps its data in the local data directory.
 */
export interface DatabaseConfig {
  url: string;
  /** Connections this process keeps at most (LUCID_DATABASE_POOL_SIZE, default 10). */
  poolSize: number;
  /** From the LUCID_DATABASE_TLS_* variables; absent when they ask for none (the URL may still). */
  tls?: DatabaseTls;
}

export const DEFAULT_POOL_SIZE = 10;

export function databaseConfig(env: NodeJS.ProcessEnv = process.env): DatabaseConfig | null {
  const url = env.LUCID_DATABASE_URL?.trim();
  if (!url) return null;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error('LUCID_DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const { poolSize = DEFAULT_POOL_SIZE } = readWholeNumberVariables(
    env,
    [{ name: 'LUCID_DATABASE_POOL_SIZE', setting: 'poolSize', min: 1, max: 1000 }],
    (message) => new Error(message),
  );
  const tls = databaseTlsFromEnvironment(url, env);
  return tls ? { url, poolSize, tls } : { url, poolSize };
}

/**
 * A connection pool. An idle connection that fails (the database restarted) is dropped from the pool, not
 * thrown in a process that did nothing wrong: the next query opens a new one.
 */
export function openPool(config: DatabaseConfig): Pool {
  const pool = new Pool({
    connectionString: config.url,
    max: config.poolSize,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'lucid',
    ...(config.tls && { ssl: config.tls }),
  });
  pool.on('error', () => undefined);
  return pool;
}

/** The URL without its password, for messages and logs. */
export function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/**
 * Runs `work` in one transaction on one connection: committed if it returns, rolled back if it throws. A connection
 * lost on the way throws as a StorageUnavailableError, as the pool's own queries do.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw asStorageUnavailable(error, 'the database');
  } finally {
    client.release();
  }
}
