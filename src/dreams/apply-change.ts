/**
 * Applying one approved dream change to a memory store, never over someone else's edit.
 *
 * A change was proposed against the store as the dream read it, and `base_sha256` records each touched memory's
 * content hash at that moment (null: no memory at that path). Between proposal and approval a user or a session
 * may have edited those memories, so every write carries the base hash as its precondition: a memory that moved
 * on makes the change `conflicted`, and it is checked for every path before the first write, so a conflict
 * normally writes nothing.
 *
 * Applying is idempotent: the state the change leads to is computed first, and a store that already holds it
 * (a retry after a crash that happened after the writes) reports `applied` without writing again. A merge that
 * crashed half-way resumes: each path is either still at its base or already at its result.
 */
import type { DreamChange, DreamChangeOperation } from '../domain/dream';
import { isMemoryError } from '../memory/errors';
import type { Memory, MemoryActor, MemoryStoreRepository } from '../memory/memory-store';

/** How applying a change ended. `detail` says why for `conflicted`, and notes an earlier apply for `applied`. */
export interface ApplyChangeResult {
  status: 'applied' | 'conflicted';
  detail: string | null;
}

/**
 * Applies an approved change with content-hash preconditions from `change.base_sha256`. Conflicts (a memory
 * changed, created or deleted since the dream read it) are results, not errors; other store errors (an archived
 * store, a full store, I/O) are thrown for the caller to handle.
 */
export async function applyDreamChange(
  repository: MemoryStoreRepository,
  storeId: string,
  change: DreamChange,
  actor: MemoryActor,
): Promise<ApplyChangeResult> {
  const paths = touchedPaths(change);
  const current = new Map(
    await Promise.all(paths.map(async (path) => [path, await readMemory(repository, storeId, path)] as const)),
  );
  const targets = await targetStates(repository, storeId, change, current);
  if (targets === null) return conflicted(`${describeChange(change)}: ${baseProblem(change, current)}`);
  if (paths.every((path) => holdsTarget(current.get(path), targets.get(path)!))) {
    return { status: 'applied', detail: 'the store already held the result of this change' };
  }
  // Each path must be at its base (not yet written) or at its result (written by an earlier, interrupted apply).
  for (const path of paths) {
    const memory = current.get(path);
    if (!holdsTarget(memory, targets.get(path)!) && !atBase(memory, change.base_sha256[path])) {
      return conflicted(
        `${describeChange(change)}: ${movedOn(path, memory, change.base_sha256[path])}; nothing was written`,
      );
    }
  }
  return writeTargets(repository, storeId, change, paths, current, targets, actor);
}

/** Every memory path a change reads or writes, the written one first (a merge writes before it deletes). */
export function touchedPaths(change: DreamChangeOperation): string[] {
  if (change.op !== 'merge') return [change.path];
  return [change.into_path, ...change.paths.filter((path) => path !== change.into_path)];
}

/**
 * `content` with its single occurrence of `oldString` replaced, or null when `oldString` does not occur
 * exactly once (overlapping occurrences count, so "aa" in "aaa" is ambiguous). Replaces literally: `$` in the
 * new text has no special meaning, unlike in String.replace.
 */
export function replaceOnce(content: string, oldString: string, newString: string): string | null {
  if (oldString === '' || occurrences(content, oldString) !== 1) return null;
  const at = content.indexOf(oldString);
  return content.slice(0, at) + newString + content.slice(at + oldString.length);
}

/** How often `needle` occurs in `text`, overlapping occurrences included. */
export function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) count++;
  return count;
}

// ---------------------------------------------------------------------------------------------------------------
// Target states
// ---------------------------------------------------------------------------------------------------------------

/** What a path holds after the change: content, or no memory (null). */
type Target = string | null;

/**
 * The state each touched path must have after the change. An edit's result depends on the base content, which
 * is the current content when unchanged and otherwise is found in the memory's history by its hash (so an
 * already-applied edit is still recognised). Null when the base content cannot be known.
 */
async function targetStates(
  repository: MemoryStoreRepository,
  storeId: string,
  change: DreamChange,
  current: ReadonlyMap<string, Memory | null>,
): Promise<Map<string, Target> | null> {
  switch (change.op) {
    case 'add':
      return new Map([[change.path, change.content]]);
    case 'delete':
      return new Map([[change.path, null]]);
    case 'merge':
      return new Map(touchedPaths(change).map((path) => [path, path === change.into_path ? change.content : null]));
    case 'edit': {
      const base = await baseContent(
        repository,
        storeId,
        current.get(change.path) ?? null,
        change.base_sha256[change.path],
      );
      const result = base === null ? null : replaceOnce(base, change.old_string, change.new_string);
      return result === null ? null : new Map([[change.path, result]]);
    }
  }
}

async function baseContent(
  repository: MemoryStoreRepository,
  storeId: string,
  memory: Memory | null,
  baseSha256: string | null | undefined,
): Promise<string | null> {
  if (!memory || typeof baseSha256 !== 'string') return null;
  if (memory.content_sha256 === baseSha256) return memory.content;
  const versions = await repository.listVersions(storeId, { memory_id: memory.id });
  return versions.find((version) => version.content !== null && version.content_sha256 === baseSha256)?.content ?? null;
}

/** Why an edit's result cannot be computed. */
function baseProblem(change: DreamChange, current: ReadonlyMap<string, Memory | null>): string {
  if (change.op !== 'edit') return 'the change is malformed';
  const memory = current.get(change.path);
  const base = change.base_sha256[change.path];
  if (!memory) return `${quote(change.path)} no longer exists; nothing was written`;
  if (typeof base !== 'string')
    return `the change records no base content hash for ${quote(change.path)}; nothing was written`;
  if (memory.content_sha256 !== base) return `${movedOn(change.path, memory, base)}; nothing was written`;
  return `old_string does not occur exactly once in ${quote(change.path)}; nothing was written`;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------------------------

/**
 * Writes every path not yet at its target, each guarded by its base hash: contents first, deletions last, so
 * an interrupted merge never loses the sources' knowledge before the merged memory exists.
 */
async function writeTargets(
  repository: MemoryStoreRepository,
  storeId: string,
  change: DreamChange,
  paths: readonly string[],
  current: ReadonlyMap<string, Memory | null>,
  targets: ReadonlyMap<string, Target>,
  actor: MemoryActor,
): Promise<ApplyChangeResult> {
  const pending = paths.filter((path) => !holdsTarget(current.get(path), targets.get(path)!));
  const ordered = [
    ...pending.filter((path) => targets.get(path) !== null),
    ...pending.filter((path) => targets.get(path) === null),
  ];
  const written: string[] = [];
  for (const path of ordered) {
    const outcome = await writePath(
      repository,
      storeId,
      path,
      current.get(path) ?? null,
      targets.get(path)!,
      change.base_sha256[path],
      actor,
    );
    if (outcome !== null) {
      const partial = written.length
        ? ` (${written.map(quote).join(', ')} had already been written)`
        : '; nothing was written';
      return conflicted(`${describeChange(change)}: ${outcome}${partial}`);
    }
    written.push(path);
  }
  return { status: 'applied', detail: null };
}

/** Writes one path; returns null on success, or why the store refused because someone got there first. */
async function writePath(
  repository: MemoryStoreRepository,
  storeId: string,
  path: string,
  memory: Memory | null,
  target: Target,
  baseSha256: string | null | undefined,
  actor: MemoryActor,
): Promise<string | null> {
  try {
    if (target === null) {
      if (memory)
        await repository.deleteMemory(storeId, memory.id, { expected_content_sha256: baseSha256 ?? undefined }, actor);
      return null;
    }
    if (typeof baseSha256 === 'string') {
      await repository.writeMemory(storeId, { path, content: target, expected_content_sha256: baseSha256 }, actor);
      return null;
    }
    return await createMemory(repository, storeId, path, target, actor);
  } catch (error) {
    if (isConcurrentChange(error)) return `the store refused the write to ${quote(path)}: ${(error as Error).message}`;
    throw error;
  }
}

/** Creates a memory where the dream saw none; create-only, so a memory another writer made meanwhile is kept. */
async function createMemory(
  repository: MemoryStoreRepository,
  storeId: string,
  path: string,
  content: string,
  actor: MemoryActor,
): Promise<string | null> {
  await repository.writeMemory(storeId, { path, content, if_absent: true }, actor);
  return null;
}

/** Errors that mean "someone changed the store since we read it", as opposed to failures of the store itself. */
function isConcurrentChange(error: unknown): boolean {
  if (!isMemoryError(error)) return false;
  return ['memory_precondition_failed_error', 'memory_path_conflict_error', 'not_found_error'].includes(error.code);
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

async function readMemory(repository: MemoryStoreRepository, storeId: string, path: string): Promise<Memory | null> {
  try {
    return await repository.getMemoryByPath(storeId, path);
  } catch (error) {
    if (isMemoryError(error) && error.code === 'not_found_error') {
      await repository.getStore(storeId); // a missing store is an error, not a missing memory
      return null;
    }
    throw error;
  }
}

function holdsTarget(memory: Memory | null | undefined, target: Target): boolean {
  return target === null ? !memory : memory?.content === target;
}

function atBase(memory: Memory | null | undefined, baseSha256: string | null | undefined): boolean {
  if (baseSha256 === undefined) return false;
  return baseSha256 === null ? !memory : memory?.content_sha256 === baseSha256;
}

/** Why a path is no longer as the dream read it. */
function movedOn(path: string, memory: Memory | null | undefined, baseSha256: string | null | undefined): string {
  if (baseSha256 === undefined) return `the change records no base content hash for ${quote(path)}`;
  if (baseSha256 === null) return `a memory now exists at ${quote(path)}, where the dream saw none`;
  if (!memory) return `${quote(path)} was deleted since the dream read it`;
  return `${quote(path)} was changed since the dream read it (content_sha256 ${short(baseSha256)} then, ${short(memory.content_sha256)} now)`;
}

function describeChange(change: DreamChangeOperation): string {
  return change.op === 'merge' ? `merge into ${quote(change.into_path)}` : `${change.op} ${quote(change.path)}`;
}

function conflicted(detail: string): ApplyChangeResult {
  return { status: 'conflicted', detail };
}

function quote(path: string): string {
  return JSON.stringify(path);
}

function short(sha256: string): string {
  return `${sha256.slice(0, 12)}…`;
}
