/**
 * Typed errors of the memory store. Each has a stable `code` that callers switch on (and that an HTTP layer maps to
 * the Managed Agents error types), and a message written for whoever has to fix the request: a user or a model.
 * Messages quote paths with JSON escapes so invisible characters show up.
 *
 * They are LucidErrors (src/errors.ts): a caller's bad request is `user_input`, so an activity that throws one fails
 * at once, not retried; only a store busy with concurrent writers is `system`, worth retrying.
 */
import { LucidError, type Fault } from '../errors';

/** The stable codes. `*_error` codes are the Managed Agents API's own; the others are Lucid's. */
export type MemoryErrorCode =
  | 'invalid_request_error'
  | 'invalid_path'
  | 'invalid_content'
  | 'content_too_large'
  | 'memory_limit_reached'
  | 'memory_path_conflict_error'
  | 'memory_precondition_failed_error'
  | 'not_found_error'
  | 'store_archived'
  | 'store_busy'
  | 'version_in_use';

/** Base class of every error the memory store throws on purpose. */
export abstract class MemoryError extends LucidError {
  abstract override readonly code: MemoryErrorCode;
  readonly fault: Fault = 'user_input';
}

/** A malformed argument that is not a path or content: a store name, a limit, an actor, a hash. */
export class InvalidMemoryRequestError extends MemoryError {
  readonly code = 'invalid_request_error' as const;
}

/** A memory path (or path prefix) that breaks the path rules; `reason` says which rule and how to fix it. */
export class InvalidMemoryPathError extends MemoryError {
  readonly code = 'invalid_path' as const;

  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Invalid memory path ${JSON.stringify(path)}: ${reason}`);
  }
}

/** Content that is not valid UTF-8 text (not a string, or a string with unpaired surrogates). */
export class InvalidMemoryContentError extends MemoryError {
  readonly code = 'invalid_content' as const;
}

export class MemoryContentTooLargeError extends MemoryError {
  readonly code = 'content_too_large' as const;

  constructor(
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `Memory content is ${sizeBytes} bytes of UTF-8; the limit is ${limitBytes} bytes. ` +
        'Shorten it or split it into several memories.',
    );
  }
}

export class MemoryLimitReachedError extends MemoryError {
  readonly code = 'memory_limit_reached' as const;

  constructor(
    readonly storeId: string,
    readonly limit: number,
  ) {
    super(
      `Memory store ${storeId} already holds ${limit} memories, the most a store can hold. ` +
        'Delete or merge memories before creating new ones.',
    );
  }
}

/**
 * The path equals, lies inside, or contains the path of another memory (`/notes` and `/notes/todo.md` cannot
 * coexist). Names the memory in the way.
 */
export class MemoryPathConflictError extends MemoryError {
  readonly code = 'memory_path_conflict_error' as const;

  constructor(
    readonly path: string,
    readonly conflicting_path: string,
    readonly conflicting_memory_id: string,
  ) {
    super(
      `Memory path ${JSON.stringify(path)} ${conflictRelation(path, conflicting_path)} ` +
        `memory ${conflicting_memory_id} at ${JSON.stringify(conflicting_path)}; a path cannot equal, contain or ` +
        "lie inside another memory's path. Choose another path, or move or delete that memory first.",
    );
  }
}

function conflictRelation(path: string, other: string): string {
  if (path === other) return 'is already taken by';
  return other.startsWith(`${path}/`) ? 'is a folder of' : 'lies inside';
}

/** A create-only write (`if_absent`) found a memory already at its path; nothing was written. */
export class MemoryAlreadyExistsError extends MemoryError {
  readonly code = 'memory_precondition_failed_error' as const;

  constructor(
    readonly memoryPath: string,
    readonly memoryId: string,
  ) {
    super(
      `Precondition failed for memory ${JSON.stringify(memoryPath)}: it was to be created, but memory ${memoryId} ` +
        'already exists there. Read it and update it instead.',
    );
  }
}

/** `expected_content_sha256` did not match the stored content: someone changed the memory since it was read. */
export class MemoryPreconditionFailedError extends MemoryError {
  readonly code = 'memory_precondition_failed_error' as const;

  constructor(
    readonly memoryPath: string,
    readonly expected_content_sha256: string,
    /** null when no memory exists (at that path, for a write). */
    readonly actual_content_sha256: string | null,
  ) {
    const actual =
      actual_content_sha256 === null ? 'no such memory exists' : `its content_sha256 is ${actual_content_sha256}`;
    super(
      `Precondition failed for memory ${JSON.stringify(memoryPath)}: expected content_sha256 ` +
        `${expected_content_sha256}, but ${actual}. ` +
        'It changed since you read it; read it again and reapply your change.',
    );
  }
}

export type MemoryResource = 'memory_store' | 'memory' | 'memory_version';

export class MemoryNotFoundError extends MemoryError {
  readonly code = 'not_found_error' as const;

  constructor(
    readonly resource: MemoryResource,
    readonly id: string,
    detail = '',
  ) {
    super(`No ${resource.replace('_', ' ')} ${JSON.stringify(id)}${detail}.`);
  }
}

/** The store is archived: its memories can be read and deleted but not created or changed. */
export class MemoryStoreArchivedError extends MemoryError {
  readonly code = 'store_archived' as const;

  constructor(readonly storeId: string) {
    super(`Memory store ${storeId} is archived: its memories can be read and deleted, but not created or changed.`);
  }
}

/** Other writers kept winning the race for the store's index; the write was not applied and can be retried. */
export class MemoryStoreBusyError extends MemoryError {
  readonly code = 'store_busy' as const;
  override readonly fault = 'system';

  constructor(
    readonly storeId: string,
    attempts: number,
  ) {
    super(
      `Memory store ${storeId} is busy: ${attempts} attempts lost to concurrent writers. Nothing was written; retry.`,
    );
  }
}

/** A redaction of the version that holds a live memory's current content, which would leave the memory unreadable. */
export class MemoryVersionInUseError extends MemoryError {
  readonly code = 'version_in_use' as const;

  constructor(
    readonly versionId: string,
    readonly memoryId: string,
  ) {
    super(
      `Memory version ${versionId} holds the current content of memory ${memoryId}, so it cannot be redacted. ` +
        'Update the memory (or delete it) first; then redact this version.',
    );
  }
}

export function isMemoryError(error: unknown): error is MemoryError {
  return MemoryError.isInstance(error);
}
