/**
 * A stored file (the Files API's) copied into a session's workspace, as a session resource of type `file` is
 * mounted at its `mount_path`. Lucid's sandbox sees the workspace only, at /workspace, so a mount path is one under
 * /workspace (or relative to it); the API's default, /mnt/session/uploads/<file_id>, becomes
 * /workspace/uploads/<file_id>, and any other path outside the workspace is refused, as is one that climbs out
 * with `..` or through a symbolic link.
 *
 * The copy is written through the workspace's checked descriptors (./sandbox.ts) to a temporary file, checked
 * against the stored sha-256 and size, and only then renamed into place, so a session never sees half a file or
 * bytes other than the ones uploaded.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LucidError } from '../errors';
import type { FileStore, StoredFile } from '../storage/file-store';
import { commitTempFile, tempPathFor, writeTempFile } from './atomic-write';
import {
  makeDirectoriesChecked,
  normalizeRelativePath,
  resolveInWorkspace,
  WORKSPACE_MOUNT,
  WorkspaceError,
} from './sandbox';

/** A mount Lucid refuses: a path outside the workspace, a file that is gone or expired, a directory in the way. */
export class FileMountError extends LucidError {
  readonly code = 'file_mount_refused';
  readonly fault = 'user_input';
}

/** Stored bytes that no longer match their sha-256: the data directory's fault, not the caller's. */
export class StoredFileCorruptError extends LucidError {
  readonly code = 'stored_file_corrupt';
  readonly fault = 'system';
}

export interface FileMount {
  /** Where the session sees it, as the session resource reports it: `/workspace/...`. */
  mount_path: string;
  /** The same, relative to the workspace root. */
  relative: string;
}

/** Where a file resource goes: its `mount_path`, or /workspace/uploads/<file_id>. Pure: checks the spelling only. */
export function fileMount(fileId: string, mountPath?: string | null): FileMount {
  const spelled = mountPath ?? `${WORKSPACE_MOUNT}/uploads/${fileId}`;
  let relative: string;
  try {
    relative = normalizeRelativePath(spelled);
  } catch (error) {
    throw new FileMountError(`mount_path: ${(error as Error).message}`);
  }
  if (relative === '') throw new FileMountError(`mount_path: "${spelled}" is the workspace itself; name a file in it`);
  return { mount_path: `${WORKSPACE_MOUNT}/${relative}`, relative };
}

/**
 * Copies the stored file `fileId` into `workspace` at its mount path, replacing a file already there. `now` is
 * when the copy is made, for the file's expiry.
 */
export async function mountStoredFile(
  files: FileStore,
  fileId: string,
  workspace: string,
  mountPath?: string | null,
  now: number = Date.now(),
): Promise<FileMount> {
  const mount = fileMount(fileId, mountPath);
  const file = await usableFile(files, fileId, now);
  const target = await resolveInWorkspace(workspace, mount.relative, { forWrite: true }).catch((error: unknown) => {
    throw error instanceof WorkspaceError ? new FileMountError(`mount_path: ${error.message}`) : error;
  });
  if (target.exists && !(await fs.lstat(target.absolute)).isFile()) {
    throw new FileMountError(`mount_path: ${mount.mount_path} is in the workspace already and is not a file`);
  }
  await makeDirectoriesChecked(target.root, path.posix.dirname(target.relative), mount.mount_path);
  await copyChecked(files, file, target.absolute);
  return mount;
}

async function usableFile(files: FileStore, fileId: string, now: number): Promise<StoredFile> {
  const file = await files.get(fileId);
  if (!file) throw new FileMountError(`no file ${fileId}`);
  if (file.expires_at !== null && Date.parse(file.expires_at) <= now) {
    throw new FileMountError(`file ${fileId} expired at ${file.expires_at}`);
  }
  return file;
}

async function copyChecked(files: FileStore, file: StoredFile, absolute: string): Promise<void> {
  const content = await files.openContent(file.id);
  if (!content) throw new FileMountError(`file ${file.id} has no content any more`);
  const hash = createHash('sha256');
  let size = 0;
  async function* counted() {
    for await (const chunk of content as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.byteLength;
      yield chunk;
    }
  }
  const temp = tempPathFor(absolute);
  try {
    await writeTempFile(temp, counted(), undefined, { inWorkspace: true });
    if (size !== file.size_bytes || hash.digest('hex') !== file.sha256) {
      throw new StoredFileCorruptError(`file ${file.id}: its stored bytes do not match their sha-256 any more`);
    }
    await commitTempFile(temp, absolute);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
