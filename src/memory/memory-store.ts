import { createHash, randomInt } from 'node:crypto';
import { z } from 'zod';
import { randomIdBody } from '../domain/ids';
import { InvalidMemoryContentError, InvalidMemoryRequestError, MemoryContentTooLargeError } from './errors';

/**
 * Versioned memory stores, following the Managed Agents API (memory stores, memories, memory versions): a store is
 * a set of text files addressed by path; every change to a memory is an immutable version that says who made it.
 * {@link MemoryStoreRepository} is the contract; the filesystem implementation lives in `fs-memory-store.ts` and
 * a database one can replace it. Shapes and field names are the API's, so an HTTP layer can return them as they are.
 */

export const MEMORY_ID_PREFIX = {
  store: 'memstore_',
  memory: 'mem_',
  version: 'memver_',
} as const;

export const MEMORY_LIMITS = {
  /** Per memory, in bytes of UTF-8. */
  contentBytes: 102_400,
  memoriesPerStore: 2_000,
  /** Store names and descriptions are measured in characters (code points). */
  storeNameCharacters: 255,
  storeDescriptionCharacters: 1_024,
  /** Store metadata: pairs, key characters, value characters (the API's limits). */
  metadataPairs: 16,
  metadataKeyCharacters: 64,
  metadataValueCharacters: 512,
} as const;

/** Key-value pairs for the owner's use; the agent never sees them. */
export type MemoryStoreMetadata = Record<string, string>;

/** A named, described set of memories. `updated_at` moves on changes to the store itself, not on memory writes. */
export interface MemoryStore {
  type: 'memory_store';
  id: string;
  name: string;
  /** "" when unset. Goes into the agent's system prompt when the store is attached. */
  description: string;
  metadata: MemoryStoreMetadata;
  created_at: string;
  updated_at: string;
  /** Set once; an archived store keeps its memories readable and deletable but refuses creates and updates. */
  archived_at: string | null;
}

/** One memory: a text file at a path. Its `id` survives renames. */
export interface Memory {
  type: 'memory';
  id: string;
  memory_store_id: string;
  path: string;
  /** null when the caller did not ask for content (the API's `basic` view). */
  content: string | null;
  /** Lowercase hex SHA-256 of the raw UTF-8 bytes of the content, so clients can compute it themselves. */
  content_sha256: string;
  content_size_bytes: number;
  /** The version holding the current content. */
  memory_version_id: string;
  created_at: string;
  updated_at: string;
}

export type MemoryVersionOperation = 'created' | 'modified' | 'deleted';

const nonEmptyId = z.string().min(1).max(255);

/**
 * Who made a change. The API's actors plus Lucid's `dream_actor`: a dream (`drm_…`) and the change within it, so
 * a dream's edits can be reviewed and reverted one by one.
 */
export const memoryActorSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('session_actor'), session_id: nonEmptyId }),
  z.strictObject({ type: z.literal('dream_actor'), dream_id: nonEmptyId, change_id: nonEmptyId }),
  z.strictObject({ type: z.literal('user_actor'), user_id: nonEmptyId }),
  z.strictObject({ type: z.literal('api_actor'), api_key_id: nonEmptyId }),
]);

export type MemoryActor = z.infer<typeof memoryActorSchema>;

/**
 * An immutable record of one change to one memory. Versions outlive their memory. Redaction is the one change a
 * version can get: it removes the path, content, hash and size from disk and says who removed them and when.
 */
export type MemoryVersion = WrittenMemoryVersion | RedactedMemoryVersion;

interface MemoryVersionBase {
  type: 'memory_version';
  id: string;
  memory_id: string;
  memory_store_id: string;
  operation: MemoryVersionOperation;
  created_at: string;
  created_by: MemoryActor;
}

export interface WrittenMemoryVersion extends MemoryVersionBase {
  /** The memory's path after the change (for `deleted`: where it was). */
  path: string;
  /** The content after the change; null for `deleted`. */
  content: string | null;
  /** For `deleted`, the hash and size of the content that was deleted. */
  content_sha256: string;
  content_size_bytes: number;
  redacted_at?: undefined;
}

export interface RedactedMemoryVersion extends MemoryVersionBase {
  path: null;
  content: null;
  content_sha256: null;
  content_size_bytes: null;
  redacted_at: string;
  redacted_by: MemoryActor;
}

export interface CreateMemoryStoreInput {
  name: string;
  description?: string;
  metadata?: MemoryStoreMetadata;
}

/** A metadata change: a string sets a key, null removes it; keys left out keep their values. */
export type MemoryStoreMetadataPatch = Record<string, string | null>;

export interface UpdateMemoryStoreInput {
  name?: string;
  /** "" clears it. */
  description?: string;
  /** null removes every key. */
  metadata?: MemoryStoreMetadataPatch | null;
}

/** An optimistic-concurrency guard: the change applies only if the memory's content still has this hash. */
export interface ContentPrecondition {
  /** 64 lowercase hex digits, the `content_sha256` the caller last read. */
  expected_content_sha256?: string;
}

export interface WriteMemoryInput extends ContentPrecondition {
  path: string;
  content: string;
  /** Create only: fail with `memory_precondition_failed_error` if a memory already exists at the path. */
  if_absent?: boolean;
}

export interface UpdateMemoryInput extends ContentPrecondition {
  content?: string;
  /** A new path: a rename. The precondition refers to the current content even when renaming. */
  path?: string;
}

export interface ListMemoriesOptions {
  /** `/` or a path ending in `/`; matches whole segments. */
  path_prefix?: string;
  /** Read each memory's content too (default false: `content` is null). */
  include_content?: boolean;
}

export interface ListVersionsOptions {
  memory_id?: string;
  /** At most this many, newest first (default: all). */
  limit?: number;
}

/**
 * Durable, versioned memory stores. Every write is atomic (all or nothing, even across a crash), creates exactly
 * one version per actual change, and is serialized per store so concurrent writers never lose an update: guard
 * read-modify-write cycles with `expected_content_sha256`.
 *
 * Errors are the classes in `errors.ts`; each method lists the codes it can throw beyond `not_found_error`.
 */
export interface MemoryStoreRepository {
  /** `invalid_request_error` for a bad name or description. */
  createStore(input: CreateMemoryStoreInput): Promise<MemoryStore>;
  getStore(storeId: string): Promise<MemoryStore>;
  /** Newest first; archived stores only with `include_archived`. */
  listStores(options?: { include_archived?: boolean }): Promise<MemoryStore[]>;
  /** `invalid_request_error`, `store_archived`. */
  updateStore(storeId: string, input: UpdateMemoryStoreInput): Promise<MemoryStore>;
  /** Irreversible; archiving an archived store returns it unchanged. */
  archiveStore(storeId: string): Promise<MemoryStore>;
  /** Removes the store with all its memories and versions, archived or not; irreversible. */
  deleteStore(storeId: string): Promise<void>;

  /**
   * Creates the memory at `path`, or updates the one already there (upsert). With a precondition and no memory at
   * the path, the precondition fails. Returns the memory with its content.
   * Codes: `invalid_path`, `invalid_content`, `content_too_large`, `memory_limit_reached`,
   * `memory_path_conflict_error`, `memory_precondition_failed_error`, `store_archived`.
   */
  writeMemory(storeId: string, input: WriteMemoryInput, actor: MemoryActor): Promise<Memory>;
  /** Changes the content, the path (a rename; the id stays), or both. Codes as {@link writeMemory}. */
  updateMemory(storeId: string, memoryId: string, input: UpdateMemoryInput, actor: MemoryActor): Promise<Memory>;
  /** Records a `deleted` version and removes the memory. Allowed on archived stores. */
  deleteMemory(
    storeId: string,
    memoryId: string,
    input: ContentPrecondition,
    actor: MemoryActor,
  ): Promise<MemoryVersion>;
  getMemory(storeId: string, memoryId: string): Promise<Memory>;
  /** `invalid_path` for a malformed path; `not_found_error` when no memory has it. */
  getMemoryByPath(storeId: string, path: string): Promise<Memory>;
  /** Sorted by path. */
  listMemories(storeId: string, options?: ListMemoriesOptions): Promise<Memory[]>;

  /** Committed versions, newest first. */
  listVersions(storeId: string, options?: ListVersionsOptions): Promise<MemoryVersion[]>;
  getVersion(storeId: string, versionId: string): Promise<MemoryVersion>;
  /**
   * Makes the memory's content and path equal to that version's, as a new version (`modified`, or `created` when
   * the memory had been deleted; it keeps its id). A no-op when they already are equal.
   * `invalid_request_error` for a `deleted` version; otherwise codes as {@link writeMemory}.
   */
  restoreVersion(storeId: string, versionId: string, actor: MemoryActor): Promise<Memory>;
  /**
   * Removes a version's path, content, hash and size for good, keeping who made it and when; allowed on archived
   * stores. Redacting a redacted version returns it unchanged. `version_in_use` when the version holds a live
   * memory's current content: change or delete the memory first.
   */
  redactVersion(storeId: string, versionId: string, actor: MemoryActor): Promise<MemoryVersion>;
}

/** Lowercase hex SHA-256 of the UTF-8 bytes of `content`. */
export function contentSha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/** Returns `content` when it is UTF-8 text within the size limit; throws otherwise. */
export function validateMemoryContent(content: unknown): string {
  if (typeof content !== 'string') throw new InvalidMemoryContentError('Memory content must be a string of text.');
  if (/\p{Cs}/u.test(content)) {
    throw new InvalidMemoryContentError(
      'Memory content contains an unpaired UTF-16 surrogate, which is not valid UTF-8 text.',
    );
  }
  const size = Buffer.byteLength(content, 'utf8');
  if (size > MEMORY_LIMITS.contentBytes) throw new MemoryContentTooLargeError(size, MEMORY_LIMITS.contentBytes);
  return content;
}

/** Returns the expected hash when it is absent or 64 lowercase hex digits. */
export function validateExpectedSha256(expected: unknown): string | undefined {
  if (expected === undefined) return undefined;
  if (typeof expected === 'string' && /^[0-9a-f]{64}$/.test(expected)) return expected;
  throw new InvalidMemoryRequestError(
    'expected_content_sha256 must be 64 lowercase hex digits (a content_sha256 as read from the memory); ' +
      `got ${JSON.stringify(expected)}.`,
  );
}

export function validateStoreName(name: unknown): string {
  if (typeof name !== 'string') throw new InvalidMemoryRequestError('A memory store name must be a string.');
  const length = [...name].length;
  if (length < 1 || length > MEMORY_LIMITS.storeNameCharacters) {
    throw new InvalidMemoryRequestError(
      `A memory store name must be 1 to ${MEMORY_LIMITS.storeNameCharacters} characters; got ${length}.`,
    );
  }
  if (/\p{Cc}/u.test(name)) {
    throw new InvalidMemoryRequestError('A memory store name cannot contain control characters.');
  }
  return name;
}

export function validateStoreDescription(description: unknown): string {
  if (typeof description !== 'string') {
    throw new InvalidMemoryRequestError('A memory store description must be a string.');
  }
  const length = [...description].length;
  if (length > MEMORY_LIMITS.storeDescriptionCharacters) {
    throw new InvalidMemoryRequestError(
      `A memory store description can have at most ${MEMORY_LIMITS.storeDescriptionCharacters} characters; ` +
        `got ${length}.`,
    );
  }
  return description;
}

/** Returns `metadata` when it is within the API's limits (pairs, key and value lengths); throws otherwise. */
export function validateStoreMetadata(metadata: MemoryStoreMetadata): MemoryStoreMetadata {
  const entries = Object.entries(metadata);
  if (entries.length > MEMORY_LIMITS.metadataPairs) {
    throw new InvalidMemoryRequestError(
      `A memory store has at most ${MEMORY_LIMITS.metadataPairs} metadata pairs; this change leaves ${entries.length}.`,
    );
  }
  for (const [key, value] of entries) {
    const keyLength = [...key].length;
    if (keyLength < 1 || keyLength > MEMORY_LIMITS.metadataKeyCharacters) {
      throw new InvalidMemoryRequestError(
        `Metadata keys are 1 to ${MEMORY_LIMITS.metadataKeyCharacters} characters; got ${JSON.stringify(key)}.`,
      );
    }
    if (typeof value !== 'string' || [...value].length > MEMORY_LIMITS.metadataValueCharacters) {
      throw new InvalidMemoryRequestError(
        `Metadata values are strings of at most ${MEMORY_LIMITS.metadataValueCharacters} characters; ` +
          `the value of ${JSON.stringify(key)} is not.`,
      );
    }
  }
  return metadata;
}

/** `current` with `patch` applied: a string sets a key, null removes it; a null patch removes every key. */
export function patchStoreMetadata(
  current: MemoryStoreMetadata,
  patch: MemoryStoreMetadataPatch | null | undefined,
): MemoryStoreMetadata {
  if (patch === undefined) return current;
  if (patch === null) return {};
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return validateStoreMetadata(next);
}

export function validateActor(actor: unknown): MemoryActor {
  const parsed = memoryActorSchema.safeParse(actor);
  if (parsed.success) return parsed.data;
  throw new InvalidMemoryRequestError(
    `Invalid actor ${JSON.stringify(actor)}: expected {type: "session_actor", session_id}, ` +
      '{type: "dream_actor", dream_id, change_id}, {type: "user_actor", user_id} or {type: "api_actor", api_key_id}.',
  );
}

/** A fresh id with the given prefix, from a cryptographic random source (ids are not made inside workflows). */
export function newMemoryObjectId(prefix: (typeof MEMORY_ID_PREFIX)[keyof typeof MEMORY_ID_PREFIX]): string {
  return prefix + randomIdBody(() => randomInt(0, 2 ** 32) / 2 ** 32);
}
