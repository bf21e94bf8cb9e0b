import type { Pool, PoolClient } from 'pg';
import { InvalidMemoryRequestError, MemoryNotFoundError, MemoryVersionInUseError } from '../../memory/errors';
import { toMemory, type Change } from '../../memory/memory-plans';
import {
  MEMORY_ID_PREFIX,
  newMemoryObjectId,
  validateActor,
  validateStoreDescription,
  validateStoreMetadata,
  validateStoreName,
  type CreateMemoryStoreInput,
  type ListMemoriesOptions,
  type ListVersionsOptions,
  type Memory,
  type MemoryActor,
  type MemoryStore,
  type MemoryVersion,
  type RedactedMemoryVersion,
} from '../../memory/memory-store';
import { isUnderPrefix, validateMemoryPath, validatePathPrefix } from '../../memory/paths';
import {
  PlannedMemoryStore,
  type PlannedMemoryStoreOptions,
  type VersionReader,
} from '../../memory/planned-memory-store';
import {
  memoryRecordFormat,
  memoryStoreFormat,
  memoryVersionFormat,
  type MemoryRecord,
  type StoreIndex,
} from '../records/memory-records';
import { inTransaction } from './database';

type Queryable = Pool | PoolClient;

/**
 * {@link MemoryStoreRepository} on PostgreSQL: a row a store, a row a live memory (without content), a row a
 * version (content included). A change runs in one transaction holding the store's row lock (`FOR UPDATE`), so
 * writers to one store, in any process on any host, take turns: each plans on the latest state with the same
 * rules as the filesystem store (memory-plans.ts), and commits its memories and versions all or nothing. A
 * content precondition is thus a compare-and-swap, and no update is lost. Versions are never rewritten, except by
 * redaction, which replaces the row's content with nothing.
 */
export class PgMemoryStore extends PlannedMemoryStore {
  constructor(
    private readonly pool: Pool,
    options: PlannedMemoryStoreOptions = {},
  ) {
    super(options);
  }

  // Stores

  async createStore(input: CreateMemoryStoreInput): Promise<MemoryStore> {
    const now = this.timestamp();
    const store: MemoryStore = {
      type: 'memory_store',
      id: newMemoryObjectId(MEMORY_ID_PREFIX.store),
      name: validateStoreName(input.name),
      description: validateStoreDescription(input.description ?? ''),
      metadata: validateStoreMetadata({ ...input.metadata }),
      created_at: now,
      updated_at: now,
      archived_at: null,
    };
    await this.pool.query('INSERT INTO lucid_memory_stores (id, record) VALUES ($1, $2)', [
      store.id,
      memoryStoreFormat.serialize(store),
    ]);
    return store;
  }

  async getStore(storeId: string): Promise<MemoryStore> {
    return readStore(this.pool, storeId, false);
  }

  async listStores(options: { include_archived?: boolean } = {}): Promise<MemoryStore[]> {
    const { rows } = await this.pool.query<{ id: string; record: unknown }>(
      'SELECT id, record FROM lucid_memory_stores',
    );
    return rows
      .map((row) => memoryStoreFormat.fromRecord(row.record, storeLocation(row.id)))
      .filter((store) => options.include_archived || store.archived_at === null)
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
  }

  /** One statement: its memories and versions go with it (ON DELETE CASCADE). */
  async deleteStore(storeId: string): Promise<void> {
    const { rowCount } = await this.pool.query('DELETE FROM lucid_memory_stores WHERE id = $1', [storeId]);
    if (rowCount === 0) throw new MemoryNotFoundError('memory_store', storeId);
  }

  // Memories

  async getMemory(storeId: string, memoryId: string): Promise<Memory> {
    await readStore(this.pool, storeId, false);
    const { rows } = await this.pool.query<{ record: unknown }>(
      'SELECT record FROM lucid_memories WHERE store_id = $1 AND id = $2',
      [storeId, memoryId],
    );
    if (!rows[0]) throw new MemoryNotFoundError('memory', memoryId, ` in store ${storeId}`);
    return this.withContent(storeId, memoryRecordFormat.fromRecord(rows[0].record, memoryLocation(storeId, memoryId)));
  }

  async getMemoryByPath(storeId: string, memoryPath: string): Promise<Memory> {
    validateMemoryPath(memoryPath);
    await readStore(this.pool, storeId, false);
    const { rows } = await this.pool.query<{ id: string; record: unknown }>(
      'SELECT id, record FROM lucid_memories WHERE store_id = $1 AND path = $2',
      [storeId, memoryPath],
    );
    if (!rows[0]) throw new MemoryNotFoundError('memory', memoryPath, ` in store ${storeId}`);
    return this.withContent(
      storeId,
      memoryRecordFormat.fromRecord(rows[0].record, memoryLocation(storeId, rows[0].id)),
    );
  }

  async listMemories(storeId: string, options: ListMemoriesOptions = {}): Promise<Memory[]> {
    const prefix = validatePathPrefix(options.path_prefix ?? '/');
    await readStore(this.pool, storeId, false);
    const records = (await readMemories(this.pool, storeId))
      .filter((memory) => isUnderPrefix(memory.path, prefix))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    if (!options.include_content) return records.map((record) => toMemory(record, null));
    const contents = await readContents(
      this.pool,
      storeId,
      records.map((record) => record.memory_version_id),
    );
    return records.map((record) => toMemory(record, contents.get(record.memory_version_id) ?? null));
  }

  // Versions

  async listVersions(storeId: string, options: ListVersionsOptions = {}): Promise<MemoryVersion[]> {
    const limit = options.limit ?? null;
    if (limit !== null && (!Number.isInteger(limit) || limit < 1)) {
      throw new InvalidMemoryRequestError(`limit must be a positive integer; got ${JSON.stringify(options.limit)}.`);
    }
    await readStore(this.pool, storeId, false);
    const { rows } = await this.pool.query<{ id: string; record: unknown }>(
      `SELECT id, record FROM lucid_memory_versions
        WHERE store_id = $1 AND ($2::text IS NULL OR memory_id = $2)
        ORDER BY position DESC LIMIT $3`,
      [storeId, options.memory_id ?? null, limit],
    );
    return rows.map((row) => memoryVersionFormat.fromRecord(row.record, versionLocation(storeId, row.id)));
  }

  async getVersion(storeId: string, versionId: string): Promise<MemoryVersion> {
    await readStore(this.pool, storeId, false);
    return readVersion(this.pool, storeId, versionId);
  }

  async redactVersion(storeId: string, versionId: string, actor: MemoryActor): Promise<MemoryVersion> {
    const author = validateActor(actor);
    return inTransaction(this.pool, async (client) => {
      await readStore(client, storeId, true); // the store's lock: no write makes the version current meanwhile
      const version = await readVersion(client, storeId, versionId);
      if (version.redacted_at !== undefined) return version;
      const holder = (await readMemories(client, storeId)).find((memory) => memory.memory_version_id === versionId);
      if (holder) throw new MemoryVersionInUseError(versionId, holder.id);
      const redacted: RedactedMemoryVersion = {
        ...version,
        path: null,
        content: null,
        content_sha256: null,
        content_size_bytes: null,
        redacted_at: this.timestamp(),
        redacted_by: author,
      };
      await client.query('UPDATE lucid_memory_versions SET record = $3 WHERE store_id = $1 AND id = $2', [
        storeId,
        versionId,
        memoryVersionFormat.serialize(redacted),
      ]);
      return redacted;
    });
  }

  // Committing

  /** Locks the store, plans a change on its latest state, and writes what the plan changed, in one transaction. */
  protected mutate<T>(
    storeId: string,
    plan: (index: StoreIndex, versions: VersionReader) => Promise<Change<T>>,
  ): Promise<T> {
    return inTransaction(this.pool, async (client) => {
      const store = await readStore(client, storeId, true);
      const before: StoreIndex = { format: 2, store, memories: await readMemories(client, storeId), versions: [] };
      const change = await plan(before, {
        version: (versionId) => readVersion(client, storeId, versionId),
        content: (versionId) => readContent(client, storeId, versionId),
      });
      if (change.index) await commit(client, before, change.index, change.versions ?? []);
      return change.result;
    });
  }

  private async withContent(storeId: string, record: MemoryRecord): Promise<Memory> {
    return toMemory(record, await readContent(this.pool, storeId, record.memory_version_id));
  }
}

/** Writes the difference between two states: the store row, memories gone, memories new or changed, versions. */
async function commit(client: PoolClient, before: StoreIndex, after: StoreIndex, versions: MemoryVersion[]) {
  const storeId = before.store.id;
  if (JSON.stringify(before.store) !== JSON.stringify(after.store)) {
    await client.query('UPDATE lucid_memory_stores SET record = $2 WHERE id = $1', [
      storeId,
      memoryStoreFormat.serialize(after.store),
    ]);
  }
  const previous = new Map(before.memories.map((memory) => [memory.id, memory]));
  const kept = new Set(after.memories.map((memory) => memory.id));
  const gone = before.memories.filter((memory) => !kept.has(memory.id)).map((memory) => memory.id);
  if (gone.length > 0) {
    await client.query('DELETE FROM lucid_memories WHERE store_id = $1 AND id = ANY($2::text[])', [storeId, gone]);
  }
  for (const memory of after.memories) {
    if (JSON.stringify(previous.get(memory.id)) === JSON.stringify(memory)) continue;
    // A rename may take a path another memory of this change just left: the unique index checks at commit.
    await client.query(
      `INSERT INTO lucid_memories (store_id, id, path, record) VALUES ($1, $2, $3, $4)
       ON CONFLICT (store_id, id) DO UPDATE SET path = EXCLUDED.path, record = EXCLUDED.record`,
      [storeId, memory.id, memory.path, memoryRecordFormat.serialize(memory)],
    );
  }
  for (const version of versions) {
    await client.query('INSERT INTO lucid_memory_versions (store_id, id, memory_id, record) VALUES ($1, $2, $3, $4)', [
      storeId,
      version.id,
      version.memory_id,
      memoryVersionFormat.serialize(version),
    ]);
  }
}

async function readStore(db: Queryable, storeId: string, lock: boolean): Promise<MemoryStore> {
  const { rows } = await db.query<{ record: unknown }>(
    `SELECT record FROM lucid_memory_stores WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [storeId],
  );
  if (!rows[0]) throw new MemoryNotFoundError('memory_store', storeId);
  return memoryStoreFormat.fromRecord(rows[0].record, storeLocation(storeId));
}

async function readMemories(db: Queryable, storeId: string): Promise<MemoryRecord[]> {
  const { rows } = await db.query<{ id: string; record: unknown }>(
    'SELECT id, record FROM lucid_memories WHERE store_id = $1',
    [storeId],
  );
  return rows.map((row) => memoryRecordFormat.fromRecord(row.record, memoryLocation(storeId, row.id)));
}

async function readVersion(db: Queryable, storeId: string, versionId: string): Promise<MemoryVersion> {
  const { rows } = await db.query<{ record: unknown }>(
    'SELECT record FROM lucid_memory_versions WHERE store_id = $1 AND id = $2',
    [storeId, versionId],
  );
  if (!rows[0]) throw new MemoryNotFoundError('memory_version', versionId, ` in store ${storeId}`);
  return memoryVersionFormat.fromRecord(rows[0].record, versionLocation(storeId, versionId));
}

async function readContent(db: Queryable, storeId: string, versionId: string): Promise<string> {
  const { content } = await readVersion(db, storeId, versionId);
  // Redaction refuses current versions, so a null here is a database changed by hand.
  if (content === null) throw new Error(`memory version ${versionId} is a deletion yet some memory's current version`);
  return content;
}

/** The contents of many versions in one query, by version id. */
async function readContents(db: Queryable, storeId: string, versionIds: string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; record: unknown }>(
    'SELECT id, record FROM lucid_memory_versions WHERE store_id = $1 AND id = ANY($2::text[])',
    [storeId, versionIds],
  );
  const contents = new Map<string, string>();
  for (const row of rows) {
    const version = memoryVersionFormat.fromRecord(row.record, versionLocation(storeId, row.id));
    if (version.content !== null) contents.set(row.id, version.content);
  }
  return contents;
}

const storeLocation = (storeId: string) => `postgres lucid_memory_stores (${storeId})`;
const memoryLocation = (storeId: string, memoryId: string) => `postgres lucid_memories (${storeId}, ${memoryId})`;
const versionLocation = (storeId: string, versionId: string) =>
  `postgres lucid_memory_versions (${storeId}, ${versionId})`;
