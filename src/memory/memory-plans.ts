/**
 * The rules of a memory change, as pure functions from a store's state (its {@link StoreIndex}: the store and its
 * live memories) to what the change commits. Every backend applies them the same way: it reads the state,
 * plans, and commits the plan atomically, planning again if another writer committed first (the filesystem store)
 * or holding the store's row lock meanwhile (PostgreSQL), so preconditions are always checked on the latest state.
 */
import {
  MemoryLimitReachedError,
  MemoryNotFoundError,
  MemoryPathConflictError,
  MemoryPreconditionFailedError,
  MemoryStoreArchivedError,
} from './errors';
import {
  contentSha256,
  MEMORY_ID_PREFIX,
  MEMORY_LIMITS,
  newMemoryObjectId,
  type Memory,
  type MemoryActor,
  type MemoryVersion,
  type WrittenMemoryVersion,
} from './memory-store';
import { pathsOverlap } from './paths';
import type { MemoryRecord, StoreIndex } from '../storage/records/memory-records';

/** What a planned change commits: a new index and the versions it names; no `index` means nothing to do. */
export interface Change<T> {
  result: T;
  index?: StoreIndex;
  versions?: MemoryVersion[];
}

export interface MemoryChangeRequest {
  memoryId: string;
  /** The memory as it is now; undefined when the change creates it. */
  current: MemoryRecord | undefined;
  path: string;
  content: string;
  expected?: string;
}

/**
 * Plans setting a memory's path and content. The order of the checks matters: a request that changes nothing
 * succeeds even with a stale precondition (as in the API: the caller already has what it wants), and the
 * precondition is checked before conflicts and limits so a stale writer learns first that it must re-read.
 */
export function planMemoryChange(
  index: StoreIndex,
  request: MemoryChangeRequest,
  actor: MemoryActor,
  now: string,
  memoriesPerStore: number = MEMORY_LIMITS.memoriesPerStore,
): Change<Memory> {
  const { current, memoryId, content } = request;
  if (index.store.archived_at) throw new MemoryStoreArchivedError(index.store.id);
  const sha256 = contentSha256(content);
  if (current && current.path === request.path && current.content_sha256 === sha256) {
    return { result: toMemory(current, content) };
  }
  checkPrecondition(current?.path ?? request.path, current, request.expected);
  const conflict = index.memories.find((memory) => memory.id !== memoryId && pathsOverlap(memory.path, request.path));
  if (conflict) throw new MemoryPathConflictError(request.path, conflict.path, conflict.id);
  if (!current && index.memories.length >= memoriesPerStore) {
    throw new MemoryLimitReachedError(index.store.id, memoriesPerStore);
  }
  const target: VersionSubject = {
    id: memoryId,
    memory_store_id: index.store.id,
    path: request.path,
    content_sha256: sha256,
    content_size_bytes: Buffer.byteLength(content, 'utf8'),
  };
  const version = newVersion(target, current ? 'modified' : 'created', content, actor, now);
  const record: MemoryRecord = {
    type: 'memory',
    ...target,
    memory_version_id: version.id,
    created_at: current?.created_at ?? now,
    updated_at: now,
  };
  const memories = current
    ? index.memories.map((memory) => (memory.id === memoryId ? record : memory))
    : [...index.memories, record];
  const next = withVersion({ ...index, memories }, version);
  return { result: toMemory(record, content), index: next, versions: [version] };
}

export function checkPrecondition(
  memoryPath: string,
  current: MemoryRecord | undefined,
  expected: string | undefined,
): void {
  if (expected === undefined || expected === current?.content_sha256) return;
  throw new MemoryPreconditionFailedError(memoryPath, expected, current?.content_sha256 ?? null);
}

/** The memory a version is about, with the hash and size of its content after the change. */
export type VersionSubject = Pick<
  MemoryRecord,
  'id' | 'memory_store_id' | 'path' | 'content_sha256' | 'content_size_bytes'
>;

/**
 * A version of `memory` after `operation`. A deletion keeps the hash and size of the content it deleted, so the
 * history says what was removed even though the version holds no content.
 */
export function newVersion(
  memory: VersionSubject,
  operation: MemoryVersion['operation'],
  content: string | null,
  actor: MemoryActor,
  now: string,
): WrittenMemoryVersion {
  return {
    type: 'memory_version',
    id: newMemoryObjectId(MEMORY_ID_PREFIX.version),
    memory_id: memory.id,
    memory_store_id: memory.memory_store_id,
    operation,
    path: memory.path,
    content,
    content_sha256: memory.content_sha256,
    content_size_bytes: memory.content_size_bytes,
    created_at: now,
    created_by: actor,
  };
}

export function withVersion(index: StoreIndex, version: MemoryVersion): StoreIndex {
  return { ...index, versions: [...index.versions, { id: version.id, memory_id: version.memory_id }] };
}

export function requireMemory(index: StoreIndex, memoryId: string): MemoryRecord {
  const memory = index.memories.find((candidate) => candidate.id === memoryId);
  if (!memory) throw new MemoryNotFoundError('memory', memoryId, ` in store ${index.store.id}`);
  return memory;
}

/** The API's field order, with the content in its place. */
export function toMemory(record: MemoryRecord, content: string | null): Memory {
  const { type, id, memory_store_id, path: memoryPath, ...rest } = record;
  return { type, id, memory_store_id, path: memoryPath, content, ...rest };
}
