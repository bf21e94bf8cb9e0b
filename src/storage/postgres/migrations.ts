import type { Pool, PoolClient } from 'pg';

/**
 * Lucid's schema, as numbered migrations applied in order, each once, each in its own transaction. A migration
 * is never edited once released: a change is a new migration. `lucid_migrations` records what was applied.
 *
 * Many processes start at once (workers, HTTP servers, `npm run db:migrate`): each takes one advisory lock for the
 * whole run, so exactly one applies what is pending and the others find it applied when they get the lock.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'session event logs and snapshots',
    sql: `
      CREATE TABLE lucid_session_events (
        session_id text NOT NULL,
        seq integer NOT NULL CHECK (seq >= 1),
        record json NOT NULL,
        PRIMARY KEY (session_id, seq)
      );
      CREATE TABLE lucid_session_snapshots (
        session_id text PRIMARY KEY,
        created_at text NOT NULL,
        record json NOT NULL
      );
      CREATE INDEX lucid_session_snapshots_by_created ON lucid_session_snapshots (created_at DESC);
    `,
  },
  {
    version: 2,
    name: 'tool and memory journals, prompts',
    sql: `
      CREATE TABLE lucid_tool_journal (
        session_id text NOT NULL,
        call_id text NOT NULL,
        record json NOT NULL,
        PRIMARY KEY (session_id, call_id)
      );
      CREATE TABLE lucid_memory_journal (
        session_id text NOT NULL,
        call_id text NOT NULL,
        record json NOT NULL,
        PRIMARY KEY (session_id, call_id)
      );
      CREATE TABLE lucid_prompts (
        sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        record json NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'memory stores',
    sql: `
      CREATE TABLE lucid_memory_stores (
        id text PRIMARY KEY,
        record json NOT NULL
      );
      CREATE TABLE lucid_memories (
        store_id text NOT NULL REFERENCES lucid_memory_stores (id) ON DELETE CASCADE,
        id text NOT NULL,
        path text NOT NULL,
        record json NOT NULL,
        PRIMARY KEY (store_id, id),
        UNIQUE (store_id, path)
      );
      -- position orders a store's versions as they were committed (ids are random).
      CREATE TABLE lucid_memory_versions (
        store_id text NOT NULL REFERENCES lucid_memory_stores (id) ON DELETE CASCADE,
        id text NOT NULL,
        position bigserial NOT NULL,
        memory_id text NOT NULL,
        record json NOT NULL,
        PRIMARY KEY (store_id, id)
      );
      CREATE INDEX lucid_memory_versions_by_position ON lucid_memory_versions (store_id, position DESC);
    `,
  },
  {
    version: 4,
    name: 'API agents, environments, session records, thread archives',
    sql: `
      CREATE TABLE lucid_agent_versions (
        agent_id text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        record json NOT NULL,
        PRIMARY KEY (agent_id, version)
      );
      CREATE TABLE lucid_agent_archives (
        agent_id text PRIMARY KEY,
        archived_at text NOT NULL
      );
      CREATE TABLE lucid_environments (
        id text PRIMARY KEY,
        record json NOT NULL
      );
      CREATE TABLE lucid_session_records (
        id text PRIMARY KEY,
        record json NOT NULL
      );
      CREATE TABLE lucid_thread_archives (
        session_id text NOT NULL,
        thread_id text NOT NULL,
        archived_at text NOT NULL,
        PRIMARY KEY (session_id, thread_id)
      );
    `,
  },
  {
    version: 5,
    name: 'dreams',
    sql: `
      CREATE TABLE lucid_dreams (
        id text PRIMARY KEY,
        created_at text NOT NULL,
        record json NOT NULL
      );
      CREATE TABLE lucid_dream_marks (
        store_id text PRIMARY KEY,
        last_dream_at text NOT NULL,
        last_dream_id text NOT NULL
      );
      CREATE TABLE lucid_dream_holds (
        store_id text PRIMARY KEY,
        dream_id text NOT NULL,
        since text NOT NULL
      );
      CREATE TABLE lucid_dream_api_records (
        id text PRIMARY KEY,
        record json NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'files and delta spools',
    sql: `
      -- A file's bytes, in chunks of about a megabyte, under the id its upload was staged with.
      CREATE TABLE lucid_file_chunks (
        content_id text NOT NULL,
        n integer NOT NULL,
        bytes bytea NOT NULL,
        PRIMARY KEY (content_id, n)
      );
      CREATE TABLE lucid_files (
        id text PRIMARY KEY,
        content_id text,
        record json NOT NULL
      );
      -- The newest request of each session whose deltas are spooled; older requests' rows are removed.
      CREATE TABLE lucid_delta_spool_heads (
        session_id text PRIMARY KEY,
        start_seq integer NOT NULL
      );
      CREATE TABLE lucid_delta_spools (
        session_id text NOT NULL,
        start_seq integer NOT NULL,
        position bigserial NOT NULL,
        record json NOT NULL,
        PRIMARY KEY (session_id, start_seq, position)
      );
    `,
  },
];

/** Any 64-bit number no other application on the database uses for an advisory lock: "lucid" in ASCII. */
const MIGRATION_LOCK = 0x6c75636964;

export interface MigrationReport {
  /** Versions applied by this call, in order. */
  applied: number[];
  /** The schema version after the call. */
  version: number;
}

export async function migrate(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  checkOrdered(migrations);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return await applyPending(client, migrations);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

async function applyPending(client: PoolClient, migrations: readonly Migration[]): Promise<MigrationReport> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS lucid_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  const done = new Set(
    (await client.query<{ version: number }>('SELECT version FROM lucid_migrations')).rows.map((row) => row.version),
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    await client.query('BEGIN');
    try {
      await client.query(migration.sql);
      await client.query('INSERT INTO lucid_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw new Error(`migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    applied.push(migration.version);
    done.add(migration.version);
  }
  // A newer release may have applied versions this one does not know; they only add, so this one reads on.
  return { applied, version: Math.max(0, ...done) };
}

function checkOrdered(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration versions must run 1, 2, 3...: found ${migration.version} at position ${index + 1}`);
    }
  });
}
