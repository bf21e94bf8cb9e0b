/**
 * Rows written by a release of Lucid are read by the next ones: frozen records (test/fixtures/records, never
 * edited) put straight into the tables read back through the PostgreSQL stores as the current shapes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PgMemoryStore } from '../../../src/storage/postgres/pg-memory-store';
import { PgSessionStore } from '../../../src/storage/postgres/pg-session-store';
import { usePostgres } from '../../helpers/postgres';

const postgres = usePostgres({ database: 'lucid_records' });

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/records', name), 'utf8')) as Record<string, unknown>;
const withoutVersion = ({ schema_version: _ignored, ...rest }: Record<string, unknown>) => rest;

test('a memory store, its memory and its version as the first PostgreSQL release wrote them', async () => {
  const pool = postgres.pool();
  const store = fixture('memory-store-row.v1.json');
  const memory = fixture('memory-row.v1.json');
  const version = fixture('memory-version.v2.json');
  await pool.query('INSERT INTO lucid_memory_stores (id, record) VALUES ($1, $2)', [store.id, store]);
  await pool.query('INSERT INTO lucid_memories (store_id, id, path, record) VALUES ($1, $2, $3, $4)', [
    store.id,
    memory.id,
    memory.path,
    memory,
  ]);
  await pool.query('INSERT INTO lucid_memory_versions (store_id, id, memory_id, record) VALUES ($1, $2, $3, $4)', [
    store.id,
    version.id,
    memory.id,
    version,
  ]);
  const repository = new PgMemoryStore(pool);
  expect(await repository.getStore(store.id as string)).toEqual(withoutVersion(store));
  expect(await repository.getMemory(store.id as string, memory.id as string)).toEqual({
    ...withoutVersion(memory),
    content: version.content,
  });
  expect(await repository.listVersions(store.id as string)).toEqual([withoutVersion(version)]);
});

test.each(['session-event.v0.json', 'session-event.v1.json'])('a session event row holding %s', async (name) => {
  const event = fixture(name);
  await postgres
    .pool()
    .query('INSERT INTO lucid_session_events (session_id, seq, record) VALUES ($1, $2, $3)', [name, event.seq, event]);
  const store = new PgSessionStore(postgres.pool());
  expect(await store.readEvents(name)).toEqual([withoutVersion(event)]);
  await store.close();
});

test('a row of a newer schema than this release reads says so, naming the row', async () => {
  const store = fixture('memory-store-row.v1.json');
  const id = 'memstore_fromTheFuture';
  await postgres
    .pool()
    .query('INSERT INTO lucid_memory_stores (id, record) VALUES ($1, $2)', [id, { ...store, id, schema_version: 9 }]);
  await expect(new PgMemoryStore(postgres.pool()).getStore(id)).rejects.toThrow(
    /postgres lucid_memory_stores \(memstore_fromTheFuture\).*schema_version 9 is not one this Lucid reads \(up to 1\) \(written by a newer Lucid\?\)/,
  );
});
