import { randomInt } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimulatedCrash } from '../errors';
import { atomicWriteFile, fsyncDirectory, tempPathFor, writeTempFile } from '../workspace/atomic-write';
import { errnoCode } from '../workspace/sandbox';
import {
  InvalidMemoryRequestError,
  MemoryNotFoundError,
  MemoryStoreBusyError,
  MemoryVersionInUseError,
} from './errors';
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
} from './memory-store';
import { requireMemory, toMemory, type Change } from './memory-plans';
import { isUnderPrefix, validateMemoryPath, validatePathPrefix } from './paths';
import { PlannedMemoryStore, type PlannedMemoryStoreOptions, type VersionReader } from './planned-memory-store';
import { StoredRecordError } from '../storage/record-error';
import {
  memoryIndexFormat,
  memoryVersionFormat,
  type MemoryRecord,
  type StoreIndex,
} from '../storage/records/memory-records';

/*
 * On-disk layout, under the root given to the constructor (Lucid uses `<LUCID_DATA_DIR>/memory`):
 *
 *   stores/<memstore id>/index/<generation>.json   the store's state: store record, live memories (without
 *                                                  content) and the ids of every committed version, in order
 *   stores/<memstore id>/versions/<memver id>.json one immutable version each, content included
 *
 * Both kinds of file are versioned records, validated when read (src/storage/records/memory-records.ts).
 *
 * A change is committed in two steps:
 *   1. its version file is written atomically (temp file, fsync, rename, directory fsync);
 *   2. the next index generation, N+1, is created with link(2) from a fsynced temp file. link fails if N+1
 *      already exists, which makes it a compare-and-swap: of two writers that both read generation N, exactly one
 *      commits; the other re-reads, re-checks its preconditions and tries again.
 * The highest generation is the truth. A crash before step 2 leaves the old index, which does not name the new
 * version, so the version is invisible garbage (readers only open versions the index names); a crash inside either
 * step leaves a `.lucid-tmp-*` file that nothing reads. Content lives only in version files, so an index can never
 * point at content that is not on disk.
 *
 * Generation names are never freed, because the compare-and-swap depends on it: if generation N+1 were deleted
 * once N+3 existed, a writer still holding N could link a new N+1 "successfully" into the past and its change would
 * be lost. So names only ever form the range 1..highest, and a successful link of N+1 proves N was the latest.
 * To save space, the commit of N truncates N-2 to an empty file (a tombstone); a reader that picked a generation
 * just before it was emptied reads "" and looks again. The cost is one empty file a commit, as versions cost one
 * file a change.
 *
 * Within one instance, writes to a store also wait in a per-store queue, so they do not race each other for the
 * link and retry. Across processes (or instances) the link is what serializes them; there is no lock file and so no
 * stale lock to recover. This needs a local filesystem with hard links, as POSIX ones have.
 */

const GENERATION_DIGITS = 12;
const GENERATION_FILE = /^(\d+)\.json$/;
const STORE_ID = /^memstore_[A-Za-z0-9]+$/;
const DEFAULT_COMMIT_ATTEMPTS = 100;
/** A reader that found its generation emptied by newer commits looks again this many times before giving up. */
const INDEX_READ_ATTEMPTS = 10;
/** Files read at once when listing, well below common open-file limits (a store can have thousands). */
const READ_CONCURRENCY = 32;

/** Points where the test seam {@link FsMemoryStoreOptions.crashAfter} stops a write, leaving files as a crash would. */
export type CrashPoint = 'version_written' | 'index_temp_written';

export interface FsMemoryStoreOptions extends PlannedMemoryStoreOptions {
  /** Test seam: every write throws {@link SimulatedCrash} at this point; nothing is cleaned up after it, as if the process had died there. */
  crashAfter?: CrashPoint;
}

/** {@link MemoryStoreRepository} on the local filesystem; crash-safe and safe for concurrent processes. */
export class FsMemoryStore extends PlannedMemoryStore {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly root: string,
    private readonly options: FsMemoryStoreOptions = {},
  ) {
    super(options);
  }

  // Stores

  async createStore(input: CreateMemoryStoreInput): Promise<MemoryStore> {
    const name = validateStoreName(input.name);
    const description = validateStoreDescription(input.description ?? '');
    const metadata = validateStoreMetadata({ ...input.metadata });
    const now = this.timestamp();
    const store: MemoryStore = {
      type: 'memory_store',
      id: newMemoryObjectId(MEMORY_ID_PREFIX.store),
      name,
      description,
      metadata,
      created_at: now,
      updated_at: now,
      archived_at: null,
    };
    await this.createStoreDirectories(store.id);
    await this.tryCommitIndex(store.id, 1, { format: 2, store, memories: [], versions: [] });
    return store;
  }

  async getStore(storeId: string): Promise<MemoryStore> {
    return (await this.readIndex(storeId)).index.store;
  }

  async listStores(options: { include_archived?: boolean } = {}): Promise<MemoryStore[]> {
    const names = (await readdirOrEmpty(path.join(this.root, 'stores'))).filter((name) => STORE_ID.test(name));
    const stores = await mapWithConcurrency(names, (id) => this.getStore(id).catch(nullWhenNotFound));
    return stores
      .filter((store): store is MemoryStore => store !== null)
      .filter((store) => options.include_archived || store.archived_at === null)
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
  }

  /**
   * Renames the store's folder out of the `stores/<id>` namespace in one step (so readers see it whole or not at
   * all, even across a crash), then removes it. A crash in between leaves a `.deleted-*` folder nothing reads.
   */
  async deleteStore(storeId: string): Promise<void> {
    const directory = this.storeDirectory(storeId);
    await this.queue.run(storeId, async () => {
      await this.readIndex(storeId); // not found when there is no such store
      const doomed = path.join(path.dirname(directory), `.deleted-${storeId}-${randomInt(0, 2 ** 32)}`);
      await fs.rename(directory, doomed);
      await fsyncDirectory(path.dirname(directory));
      await fs.rm(doomed, { recursive: true, force: true });
    });
  }

  // Memories

  async getMemory(storeId: string, memoryId: string): Promise<Memory> {
    const { index } = await this.readIndex(storeId);
    return this.withContent(storeId, requireMemory(index, memoryId));
  }

  async getMemoryByPath(storeId: string, memoryPath: string): Promise<Memory> {
    validateMemoryPath(memoryPath);
    const { index } = await this.readIndex(storeId);
    const record = index.memories.find((memory) => memory.path === memoryPath);
    if (!record) throw new MemoryNotFoundError('memory', memoryPath, ` in store ${storeId}`);
    return this.withContent(storeId, record);
  }

  async listMemories(storeId: string, options: ListMemoriesOptions = {}): Promise<Memory[]> {
    const prefix = validatePathPrefix(options.path_prefix ?? '/');
    const { index } = await this.readIndex(storeId);
    const records = index.memories
      .filter((memory) => isUnderPrefix(memory.path, prefix))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    if (!options.include_content) return records.map((record) => toMemory(record, null));
    return mapWithConcurrency(records, (record) => this.withContent(storeId, record));
  }

  // Versions

  async listVersions(storeId: string, options: ListVersionsOptions = {}): Promise<MemoryVersion[]> {
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new InvalidMemoryRequestError(`limit must be a positive integer; got ${JSON.stringify(options.limit)}.`);
    }
    const { index } = await this.readIndex(storeId);
    const wanted = index.versions
      .filter((version) => options.memory_id === undefined || version.memory_id === options.memory_id)
      .reverse()
      .slice(0, limit);
    return mapWithConcurrency(wanted, (version) => this.readVersion(storeId, version.id));
  }

  async getVersion(storeId: string, versionId: string): Promise<MemoryVersion> {
    const { index } = await this.readIndex(storeId);
    return this.readCommittedVersion(storeId, index, versionId);
  }

  async redactVersion(storeId: string, versionId: string, actor: MemoryActor): Promise<MemoryVersion> {
    const author = validateActor(actor);
    // In the store's queue, so no write of this instance makes the version current meanwhile; a restore from
    // another process would find it redacted and refuse.
    return this.queue.run(storeId, async () => {
      const { index } = await this.readIndex(storeId);
      const version = await this.readCommittedVersion(storeId, index, versionId);
      if (version.redacted_at !== undefined) return version;
      const holder = index.memories.find((memory) => memory.memory_version_id === versionId);
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
      await this.writeVersion(storeId, redacted);
      return redacted;
    });
  }

  // Committing

  /**
   * Reads the latest index, plans a change on it and commits it as the next generation; when another process
   * committed that generation first, plans again on the new state (so preconditions are re-checked).
   */
  protected async mutate<T>(
    storeId: string,
    plan: (index: StoreIndex, versions: VersionReader) => Promise<Change<T>>,
  ): Promise<T> {
    return this.queue.run(storeId, async () => {
      const attempts = DEFAULT_COMMIT_ATTEMPTS;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        const { generation, index } = await this.readIndex(storeId);
        const change = await plan(index, {
          version: (versionId) => this.readCommittedVersion(storeId, index, versionId),
          content: (versionId) => this.readContent(storeId, versionId),
        });
        if (!change.index) return change.result;
        const versions = change.versions ?? [];
        await Promise.all(versions.map((version) => this.writeVersion(storeId, version)));
        this.crashPoint('version_written');
        if (await this.tryCommitIndex(storeId, generation + 1, change.index)) {
          await this.emptySupersededGeneration(storeId, generation - 1);
          return change.result;
        }
        // Lost the race: these versions were never committed. Remove them, back off a little, and replan.
        await Promise.all(versions.map((version) => fs.rm(this.versionFile(storeId, version.id), { force: true })));
        await sleep(randomInt(1, Math.min(50, 2 * attempt) + 1));
      }
      throw new MemoryStoreBusyError(storeId, attempts);
    });
  }

  /** Creates generation `generation` of the index unless it exists; false when another writer got there first. */
  private async tryCommitIndex(storeId: string, generation: number, index: StoreIndex): Promise<boolean> {
    const directory = this.indexDirectory(storeId);
    const target = path.join(directory, generationFileName(generation));
    const temp = tempPathFor(target);
    await writeTempFile(temp, memoryIndexFormat.serialize(index));
    this.crashPoint('index_temp_written');
    try {
      await fs.link(temp, target);
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      throw error;
    } finally {
      await fs.rm(temp, { force: true });
    }
    await fsyncDirectory(directory);
    return true;
  }

  /**
   * Truncates a generation two commits old to a tombstone: its name stays taken, its space is freed. Best effort:
   * the change is already committed, so a failure here must not make the caller think it was not.
   */
  private async emptySupersededGeneration(storeId: string, generation: number): Promise<void> {
    if (generation < 1) return;
    const file = path.join(this.indexDirectory(storeId), generationFileName(generation));
    await fs.truncate(file, 0).catch(() => undefined);
  }

  private async readIndex(storeId: string): Promise<{ generation: number; index: StoreIndex }> {
    const directory = this.indexDirectory(storeId);
    for (let attempt = 1; ; attempt++) {
      const generation = latestGeneration(await readdirOrEmpty(directory));
      // No generation: no such store, or its creation crashed before committing generation 1.
      if (generation === 0) throw new MemoryNotFoundError('memory_store', storeId);
      const file = path.join(directory, generationFileName(generation));
      // Newer commits emptied it between readdir and readFile (truncation may even catch the read halfway).
      const index = parseIndex(await fs.readFile(file, 'utf8'), file);
      if (index) return { generation, index };
      if (attempt >= INDEX_READ_ATTEMPTS) {
        throw new StoredRecordError(
          memoryIndexFormat.kind,
          file,
          'not_json',
          'not JSON, nor emptied by a newer commit',
        );
      }
    }
  }

  private async createStoreDirectories(storeId: string): Promise<void> {
    const storeDirectory = this.storeDirectory(storeId);
    await fs.mkdir(path.join(storeDirectory, 'versions'), { recursive: true });
    await fs.mkdir(this.indexDirectory(storeId), { recursive: true });
    // Make the new directory entries durable before the first index generation is linked into them.
    await fsyncDirectory(storeDirectory);
    await fsyncDirectory(path.dirname(storeDirectory));
  }

  private crashPoint(point: CrashPoint): void {
    if (this.options.crashAfter === point) throw new SimulatedCrash(point);
  }

  // Reading versions

  private async readCommittedVersion(storeId: string, index: StoreIndex, versionId: string): Promise<MemoryVersion> {
    // Only versions the index names exist: anything else on disk is a write that never committed.
    if (!index.versions.some((version) => version.id === versionId)) {
      throw new MemoryNotFoundError('memory_version', versionId, ` in store ${storeId}`);
    }
    return this.readVersion(storeId, versionId);
  }

  private async writeVersion(storeId: string, version: MemoryVersion): Promise<void> {
    await atomicWriteFile(this.versionFile(storeId, version.id), memoryVersionFormat.serialize(version));
  }

  private async readVersion(storeId: string, versionId: string): Promise<MemoryVersion> {
    const file = this.versionFile(storeId, versionId);
    return memoryVersionFormat.parse(await fs.readFile(file, 'utf8'), file);
  }

  private async readContent(storeId: string, versionId: string): Promise<string> {
    const { content } = await this.readVersion(storeId, versionId);
    // Redaction refuses current versions, so a null here is a store that was changed by hand.
    if (content === null)
      throw new Error(`memory version ${versionId} is a deletion yet some memory's current version`);
    return content;
  }

  private async withContent(storeId: string, record: MemoryRecord): Promise<Memory> {
    return toMemory(record, await this.readContent(storeId, record.memory_version_id));
  }

  // Paths

  private storeDirectory(storeId: string): string {
    // The id becomes a folder name, so anything but our own id shape is refused before it reaches a path.
    if (!STORE_ID.test(storeId)) throw new MemoryNotFoundError('memory_store', storeId);
    return path.join(this.root, 'stores', storeId);
  }

  private indexDirectory(storeId: string): string {
    return path.join(this.storeDirectory(storeId), 'index');
  }

  /** Only called with ids taken from an index or freshly made, never with caller input. */
  private versionFile(storeId: string, versionId: string): string {
    return path.join(this.storeDirectory(storeId), 'versions', `${versionId}.json`);
  }
}

// Small helpers

function generationFileName(generation: number): string {
  return `${String(generation).padStart(GENERATION_DIGITS, '0')}.json`;
}

/**
 * The index in `text`, or null for a tombstone (or a read that truncation cut short, which is not JSON). Whole JSON
 * that is not a valid index is a StoredRecordError: looking again would not change it.
 */
function parseIndex(text: string, file: string): StoreIndex | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  return memoryIndexFormat.fromRecord(raw, file);
}

/** The highest generation among the index folder's names; 0 when there is none. */
function latestGeneration(names: string[]): number {
  let latest = 0;
  for (const name of names) {
    const match = GENERATION_FILE.exec(name);
    if (match) latest = Math.max(latest, Number(match[1]));
  }
  return latest;
}

async function readdirOrEmpty(directory: string): Promise<string[]> {
  try {
    return await fs.readdir(directory);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
}

function nullWhenNotFound(error: unknown): null {
  if (error instanceof MemoryNotFoundError) return null;
  throw error;
}

/** `Promise.all(items.map(task))`, with at most {@link READ_CONCURRENCY} tasks running at a time. */
async function mapWithConcurrency<T, R>(items: readonly T[], task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, worker));
  return results;
}

/** Runs tasks one at a time per key, in call order; a failed task does not stop the ones queued behind it. */
class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
