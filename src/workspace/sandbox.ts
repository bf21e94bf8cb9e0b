import { constants, type Dirent, existsSync, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { LucidError } from '../errors';

/**
 * Path sandbox for the workspace tools. Every path the model gives is relative to the session's workspace
 * and must resolve, after normalization and symlink resolution, to a location inside it.
 *
 * Threat model: the model is the adversary. The workspace tools create no symlinks, but the `bash` tool's shell
 * (src/shell/) can, and it may run while a tool does (the model's parallel calls, a sub-agent on the same
 * workspace): it can swap a directory on a checked path for a symlink to, say, /etc between the check and the use.
 * So the tools open files with {@link openChecked} / {@link assertOpenedAt}, which check that what the kernel
 * opened is the file that was checked; a swap then fails the call instead of reaching outside. Pre-existing
 * symlinks (checked out from a repo, made by a setup script) are resolved and checked as before.
 */

/** Machine-readable reason a workspace tool refused or failed; the message is written for the model. */
export type WorkspaceErrorCode =
  | 'path_outside_workspace'
  | 'not_found'
  | 'invalid_input'
  | 'too_large'
  | 'not_a_file'
  | 'binary_file'
  | 'permission_denied'
  | 'no_match'
  | 'ambiguous_match';

/** An error the model caused (bad path, missing file, ambiguous edit...); tools report it, never crash on it. */
export class WorkspaceError extends LucidError {
  readonly fault = 'model';

  constructor(
    readonly code: WorkspaceErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Where the Managed Agents API mounts the workspace; the model may spell paths under it (`/workspace/src/a.ts`,
 * `/workspace` itself for the root) and they mean the same as the relative path. The shell sees the workspace there.
 */
export const WORKSPACE_MOUNT = '/workspace';

/** Longest accepted path, in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;
/** Longest accepted path segment, in UTF-8 bytes (NAME_MAX on common filesystems). */
export const MAX_SEGMENT_BYTES = 255;
/** Symlink hops followed while resolving a path that does not fully exist (Linux's own limit is 40). */
const MAX_SYMLINK_HOPS = 40;

/** A model-supplied path that passed the sandbox. */
export interface ResolvedPath {
  /** realpath of the workspace directory. */
  root: string;
  /** Absolute path with every existing symlink resolved; operate on this, not on the model's spelling. */
  absolute: string;
  /** `absolute` relative to `root`, with `/` separators; `.` for the workspace itself. */
  relative: string;
  /** Whether something exists at `absolute`. */
  exists: boolean;
}

/** Options of {@link resolveInWorkspace}. */
export interface ResolveOptions {
  /** Allow a path that does not exist yet (it is about to be created). Otherwise a missing path is `not_found`. */
  forWrite?: boolean;
}

/** The workspace directory's realpath. A missing workspace is a setup failure, not the model's: plain Error. */
export async function resolveWorkspaceRoot(workspace: string): Promise<string> {
  let root: string;
  try {
    root = await fs.realpath(workspace);
  } catch (error) {
    throw new Error(`workspace directory ${workspace} cannot be resolved: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!(await fs.stat(root)).isDirectory()) throw new Error(`workspace ${workspace} is not a directory`);
  return root;
}

/**
 * Resolves a model-supplied path inside the workspace, or throws a {@link WorkspaceError}.
 *
 * Refuses: empty paths, NUL bytes, backslashes (which also rules out Windows `C:\x` and `\\server\share`),
 * drive letters, absolute paths, `..` that climbs above the workspace (after normalization, so `a/../../x`
 * too), overlong paths or segments, and any path whose existing part resolves through a symlink to outside
 * the workspace, including a dangling symlink whose target would be created outside it.
 * `~` is not special: `~/x` is a directory literally named `~` inside the workspace, as no shell is involved.
 */
export async function resolveInWorkspace(
  workspace: string,
  relPath: string,
  options: ResolveOptions = {},
): Promise<ResolvedPath> {
  const normalized = normalizeRelativePath(relPath);
  const root = await resolveWorkspaceRoot(workspace);
  // The lexically normalized path is what gets resolved, so the kernel never sees the model's `..`.
  const absolute = await realpathAllowingMissing(path.join(root, normalized), relPath);
  if (!isInside(root, absolute)) {
    throw new WorkspaceError(
      'path_outside_workspace',
      `Path "${relPath}" resolves through a symbolic link to a location outside the workspace; access refused.`,
    );
  }
  const exists = (await lstatOrNull(absolute)) !== null;
  if (!exists && !options.forWrite) {
    throw new WorkspaceError(
      'not_found',
      `No such file or directory: "${relPath}" (paths are relative to the workspace root or under ${WORKSPACE_MOUNT}).`,
    );
  }
  return { root, absolute, relative: toRelative(root, absolute), exists };
}

/**
 * Checks a path's spelling and returns it normalized (no `.`, `..` or empty segments; `''` for the
 * workspace root). Pure: touches no filesystem. Throws {@link WorkspaceError} `invalid_input` or
 * `path_outside_workspace`.
 */
export function normalizeRelativePath(relPath: string): string {
  assertWellFormed(relPath);
  const segments: string[] = [];
  for (const segment of withoutWorkspaceMount(relPath).split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (segments.length === 0) {
        throw new WorkspaceError(
          'path_outside_workspace',
          `Path "${relPath}" climbs above the workspace root with "..". Paths must stay inside the workspace.`,
        );
      }
      segments.pop();
      continue;
    }
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      throw new WorkspaceError('invalid_input', `A path segment is longer than ${MAX_SEGMENT_BYTES} bytes.`);
    }
    segments.push(segment);
  }
  return segments.join('/');
}

function assertWellFormed(relPath: string): void {
  const invalid = (why: string) => new WorkspaceError('invalid_input', `Invalid path: ${why}`);
  if (typeof relPath !== 'string' || relPath.length === 0)
    throw invalid('the path is empty. Use "." for the workspace root.');
  if (relPath.includes('\0')) throw invalid('it contains a NUL byte.');
  if (Buffer.byteLength(relPath) > MAX_PATH_BYTES) throw invalid(`it is longer than ${MAX_PATH_BYTES} bytes.`);
  if (relPath.includes('\\')) {
    throw invalid(
      `"${relPath}" contains a backslash. Use forward slashes, relative to the workspace root (e.g. "src/app.ts").`,
    );
  }
  if (/^[A-Za-z]:/.test(relPath))
    throw invalid(`"${relPath}" has a drive letter. Use a path relative to the workspace root.`);
  if (path.isAbsolute(relPath) && withoutWorkspaceMount(relPath) === relPath) {
    throw new WorkspaceError(
      'path_outside_workspace',
      `Absolute paths are not allowed outside ${WORKSPACE_MOUNT}: "${relPath}". Paths must be relative to the ` +
        `workspace root (e.g. "src/app.ts") or under ${WORKSPACE_MOUNT} (e.g. "${WORKSPACE_MOUNT}/src/app.ts").`,
    );
  }
}

/** `/workspace/x` as `x` and `/workspace` as `.`; any other text unchanged (`/workspacex` is not under it). */
export function withoutWorkspaceMount(spelled: string): string {
  if (spelled === WORKSPACE_MOUNT) return '.';
  return spelled.startsWith(`${WORKSPACE_MOUNT}/`) ? spelled.slice(WORKSPACE_MOUNT.length + 1) || '.' : spelled;
}

/**
 * realpath for a path that may not fully exist: resolves the deepest existing ancestor and appends the
 * rest. A dangling symlink is followed to its target, so writing "through" it is judged by where the new
 * file would really land.
 */
async function realpathAllowingMissing(absolute: string, relPath: string, hops = 0): Promise<string> {
  if (hops > MAX_SYMLINK_HOPS) {
    throw new WorkspaceError('invalid_input', `Invalid path "${relPath}": too many levels of symbolic links.`);
  }
  try {
    return await fs.realpath(absolute);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ELOOP' || code === 'ENAMETOOLONG') throw fsErrorToWorkspaceError(error, relPath);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
  }
  const parent = path.dirname(absolute);
  if (parent === absolute) return absolute;
  // Resolve the parent first so a relative link target is taken from where the link really lives.
  const realParent = await realpathAllowingMissing(parent, relPath, hops);
  const candidate = path.join(realParent, path.basename(absolute));
  const stat = await lstatOrNull(candidate);
  if (stat?.isSymbolicLink()) {
    const target = path.resolve(realParent, await readLinkStill(candidate, relPath));
    return realpathAllowingMissing(target, relPath, hops + 1);
  }
  return candidate;
}

/** A link's target; a link that stopped being one since it was looked at (the shell swapped it) is refused. */
async function readLinkStill(link: string, relPath: string): Promise<string> {
  try {
    return await fs.readlink(link);
  } catch (error) {
    if (errnoCode(error) === 'EINVAL' || errnoCode(error) === 'ENOENT') throw pathChanged(relPath);
    throw error;
  }
}

/** Whether `candidate` (already resolved) is `root` or below it. */
export function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** `absolute` relative to `root` with `/` separators, `.` for the root itself. */
export function toRelative(root: string, absolute: string): string {
  return path.relative(root, absolute).split(path.sep).join('/') || '.';
}

/** lstat, or null when nothing is there. */
export async function lstatOrNull(absolute: string): Promise<Stats | null> {
  try {
    return await fs.lstat(absolute);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

/** The `code` of a Node system error, if any. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Translates a filesystem error that the model's request caused (missing file, file where a directory is
 * needed, read-only file...) into a {@link WorkspaceError}. Anything else (EIO, ENOSPC...) is a genuine
 * failure: returns undefined so the caller rethrows it.
 */
export function fsErrorToWorkspaceError(error: unknown, displayPath: string): WorkspaceError | undefined {
  switch (errnoCode(error)) {
    case 'ENOENT':
      return new WorkspaceError('not_found', `No such file or directory: "${displayPath}".`);
    case 'ENOTDIR':
      return new WorkspaceError(
        'invalid_input',
        `Invalid path "${displayPath}": a component of it is a file, not a directory.`,
      );
    case 'EISDIR':
      return new WorkspaceError('not_a_file', `"${displayPath}" is a directory, not a file.`);
    case 'EEXIST':
      return new WorkspaceError('invalid_input', `Cannot create "${displayPath}": something is already in the way.`);
    case 'ENAMETOOLONG':
      return new WorkspaceError('invalid_input', `Invalid path "${displayPath}": name too long.`);
    case 'ELOOP':
      return new WorkspaceError('invalid_input', `Invalid path "${displayPath}": too many levels of symbolic links.`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new WorkspaceError('permission_denied', `Permission denied: "${displayPath}".`);
    default:
      return undefined;
  }
}

/**
 * Opens `absolute` (a path {@link resolveInWorkspace} returned, or one built from it without symlinks) for
 * reading, and checks it was not swapped meanwhile (see {@link assertOpenedAt}). Never blocks on a FIFO, and never
 * follows a symlink in the last place.
 */
export async function openChecked(absolute: string, displayPath: string): Promise<FileHandle> {
  const handle = await fs.open(absolute, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  try {
    await assertOpenedAt(handle, absolute, displayPath);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Checks that an open file is the one at `absolute` (a path without symlinks): the kernel names the file it
 * really opened in /proc/self/fd, and a directory swapped for a symlink on the way shows there as another path.
 * Where there is no /proc (not Linux, so no sandboxed shell to race with either), there is nothing to check.
 */
export async function assertOpenedAt(handle: FileHandle, absolute: string, displayPath: string): Promise<void> {
  let opened: string;
  try {
    opened = await fs.readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return;
  }
  if (opened !== absolute) throw pathChanged(displayPath);
}

function pathChanged(displayPath: string): WorkspaceError {
  return new WorkspaceError(
    'path_outside_workspace',
    `Path "${displayPath}" changed while it was being opened (a directory on it was replaced, e.g. by a ` +
      'symbolic link); access refused. Try again once nothing is moving files in the workspace.',
  );
}

const DIRECTORY_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** A directory's path through an open descriptor: the kernel resolves it to that very directory, like `*at()`. */
function throughDescriptor(handle: FileHandle, name = ''): string {
  return `/proc/self/fd/${handle.fd}${name ? `/${name}` : ''}`;
}

/**
 * The entries of `absolute` (a path without symlinks inside the workspace), read through a descriptor checked to be
 * that directory, so a directory swapped for a symlink meanwhile cannot make a listing show names from outside.
 */
export async function readDirectoryChecked(absolute: string, displayPath: string): Promise<Dirent[]> {
  const handle = await fs.open(absolute, DIRECTORY_FLAGS);
  try {
    await assertOpenedAt(handle, absolute, displayPath);
    return await fs.readdir(procFdAvailable() ? throughDescriptor(handle) : absolute, { withFileTypes: true });
  } finally {
    await handle.close();
  }
}

/**
 * Creates the missing directories of `relativeDir` under the workspace root `root` one at a time, each inside the
 * descriptor of the one before it, so no directory swapped for a symlink meanwhile can send one outside: a link
 * in the way is refused (O_NOFOLLOW), never followed.
 */
export async function makeDirectoriesChecked(root: string, relativeDir: string, displayPath: string): Promise<void> {
  const names = relativeDir.split('/').filter((name) => name && name !== '.');
  if (!procFdAvailable()) {
    await fs.mkdir(path.join(root, ...names), { recursive: true });
    return;
  }
  let current = await fs.open(root, DIRECTORY_FLAGS);
  try {
    await assertOpenedAt(current, root, displayPath);
    for (const name of names) {
      try {
        await fs.mkdir(throughDescriptor(current, name));
      } catch (error) {
        if (errnoCode(error) !== 'EEXIST') throw error;
      }
      const next = await fs.open(throughDescriptor(current, name), DIRECTORY_FLAGS).catch((error: unknown) => {
        if (errnoCode(error) === 'ENOTDIR' || errnoCode(error) === 'ELOOP') throw pathChanged(displayPath);
        throw error;
      });
      await current.close();
      current = next;
    }
  } finally {
    await current.close();
  }
}

let procFd: boolean | undefined;

/** Whether this system names open files in /proc/self/fd (Linux); elsewhere there is no sandboxed shell to race. */
function procFdAvailable(): boolean {
  procFd ??= existsSync('/proc/self/fd');
  return procFd;
}
