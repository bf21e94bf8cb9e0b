import { InvalidMemoryRequestError, MemoryAlreadyExistsError, MemoryStoreArchivedError } from './errors';
import {
  checkPrecondition,
  newVersion,
  planMemoryChange,
  requireMemory,
  withVersion,
  type Change,
  type MemoryChangeRequest,
} from './memory-plans';
import {
  MEMORY_ID_PREFIX,
  newMemoryObjectId,
  patchStoreMetadata,
  validateActor,
  validateExpectedSha256,
  validateMemoryContent,
  validateStoreDescription,
  validateStoreName,
  type ContentPrecondition,
  type CreateMemoryStoreInput,
  type ListMemoriesOptions,
  type ListVersionsOptions,
  type Memory,
  type MemoryActor,
  type MemoryStore,
  type MemoryStoreRepository,
  type MemoryVersion,
  type UpdateMemoryInput,
  type UpdateMemoryStoreInput,
  type WriteMemoryInput,
} from './memory-store';
import { validateMemoryPath } from './paths';
import type { StoreIndex } from '../storage/records/memory-records';

/** What a plan may read besides the store's state: committed versions of the store it is planning on. */
export interface VersionReader {
  /** A committed version; `not_found_error` for one never committed. */
  version(versionId: string): Promise<MemoryVersion>;
  /** The content of a memory's current version. */
  content(versionId: string): Promise<string>;
}

export interface PlannedMemoryStoreOptions {
  /** The clock for timestamps (tests pin it). */
  now?: () => Date;
  /** Memories one store may hold; the API's 2,000 unless a test checks the rule with a smaller store. */
  memoriesPerStore?: number;
}

/**
 * The changes of a memory store, written once for every backend: each checks its input, then plans on the store's
 * latest state with the rules in memory-plans.ts. A backend supplies `mutate` (read the state, plan, commit
 * atomically, planning again if another writer won) and the reads and the store's lifecycle.
 */
export abstract class PlannedMemoryStore implements MemoryStoreRepository {
  protected constructor(private readonly settings: PlannedMemoryStoreOptions) {}

  protected abstract mutate<T>(
    storeId: string,
    plan: (index: StoreIndex, versions: VersionReader) => Promise<Change<T>>,
  ): Promise<T>;

  abstract createStore(input: CreateMemoryStoreInput): Promise<MemoryStore>;
  abstract getStore(storeId: string): Promise<MemoryStore>;
  abstract listStores(options?: { include_archived?: boolean }): Promise<MemoryStore[]>;
  abstract deleteStore(storeId: string): Promise<void>;
  abstract getMemory(storeId: string, memoryId: string): Promise<Memory>;
  abstract getMemoryByPath(storeId: string, path: string): Promise<Memory>;
  abstract listMemories(storeId: string, options?: ListMemoriesOptions): Promise<Memory[]>;
  abstract listVersions(storeId: string, options?: ListVersionsOptions): Promise<MemoryVersion[]>;
  abstract getVersion(storeId: string, versionId: string): Promise<MemoryVersion>;
  abstract redactVersion(storeId: string, versionId: string, actor: MemoryActor): Promise<MemoryVersion>;

  async updateStore(storeId: string, input: UpdateMemoryStoreInput): Promise<MemoryStore> {
    const name = input.name === undefined ? undefined : validateStoreName(input.name);
    const description = input.description === undefined ? undefined : validateStoreDescription(input.description);
    return this.mutate(storeId, async (index) => {
      const { store } = index;
      if (store.archived_at) throw new MemoryStoreArchivedError(store.id);
      const changes = {
        name: name ?? store.name,
        description: description ?? store.description,
        metadata: patchStoreMetadata(store.metadata, input.metadata),
      };
      if (JSON.stringify({ ...store, ...changes }) === JSON.stringify(store)) return { result: store };
      const updated = { ...store, ...changes, updated_at: this.timestamp() };
      return { result: updated, index: { ...index, store: updated } };
    });
  }

  async archiveStore(storeId: string): Promise<MemoryStore> {
    return this.mutate(storeId, async (index) => {
      if (index.store.archived_at) return { result: index.store };
      const now = this.timestamp();
      const store = { ...index.store, archived_at: now, updated_at: now };
      return { result: store, index: { ...index, store } };
    });
  }

  async writeMemory(storeId: string, input: WriteMemoryInput, actor: MemoryActor): Promise<Memory> {
    const memoryPath = validateMemoryPath(input.path);
    const content = validateMemoryContent(input.content);
    const expected = validateExpectedSha256(input.expected_content_sha256);
    const author = validateActor(actor);
    return this.mutate(storeId, async (index) => {
      const current = index.memories.find((memory) => memory.path === memoryPath);
      if (current && input.if_absent) throw new MemoryAlreadyExistsError(memoryPath, current.id);
      const memoryId = current?.id ?? newMemoryObjectId(MEMORY_ID_PREFIX.memory);
      const request = { memoryId, current, path: memoryPath, content, expected };
      return this.plan(index, request, author);
    });
  }

  async updateMemory(storeId: string, memoryId: string, input: UpdateMemoryInput, actor: MemoryActor): Promise<Memory> {
    const newPath = input.path === undefined ? undefined : validateMemoryPath(input.path);
    const newContent = input.content === undefined ? undefined : validateMemoryContent(input.content);
    const expected = validateExpectedSha256(input.expected_content_sha256);
    const author = validateActor(actor);
    if (newPath === undefined && newContent === undefined) {
      throw new InvalidMemoryRequestError('Nothing to update: pass content, path, or both.');
    }
    return this.mutate(storeId, async (index, versions) => {
      const current = requireMemory(index, memoryId);
      const content = newContent ?? (await versions.content(current.memory_version_id));
      const request = { memoryId, current, path: newPath ?? current.path, content, expected };
      return this.plan(index, request, author);
    });
  }

  async deleteMemory(
    storeId: string,
    memoryId: string,
    input: ContentPrecondition,
    actor: MemoryActor,
  ): Promise<MemoryVersion> {
    const expected = validateExpectedSha256(input.expected_content_sha256);
    const author = validateActor(actor);
    return this.mutate(storeId, async (index) => {
      const current = requireMemory(index, memoryId);
      checkPrecondition(current.path, current, expected);
      const version = newVersion(current, 'deleted', null, author, this.timestamp());
      const memories = index.memories.filter((memory) => memory.id !== memoryId);
      return { result: version, index: withVersion({ ...index, memories }, version), versions: [version] };
    });
  }

  async restoreVersion(storeId: string, versionId: string, actor: MemoryActor): Promise<Memory> {
    const author = validateActor(actor);
    return this.mutate(storeId, async (index, versions) => {
      const version = await versions.version(versionId);
      if (version.redacted_at !== undefined) {
        throw new InvalidMemoryRequestError(`Memory version ${versionId} was redacted and has no content to restore.`);
      }
      if (version.content === null) {
        throw new InvalidMemoryRequestError(
          `Memory version ${versionId} records a deletion and has no content to restore; ` +
            `restore an earlier version of memory ${version.memory_id} instead.`,
        );
      }
      const current = index.memories.find((memory) => memory.id === version.memory_id);
      const request = { memoryId: version.memory_id, current, path: version.path, content: version.content };
      return this.plan(index, request, author);
    });
  }

  private plan(index: StoreIndex, request: MemoryChangeRequest, author: MemoryActor): Change<Memory> {
    return planMemoryChange(index, request, author, this.timestamp(), this.settings.memoriesPerStore);
  }

  protected timestamp(): string {
    return (this.settings.now?.() ?? new Date()).toISOString();
  }
}
