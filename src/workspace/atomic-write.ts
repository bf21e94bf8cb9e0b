import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { assertOpenedAt, errnoCode } from './sandbox';

/**
 * Crash-safe file replacement: the new content goes to a temp file in the target's directory (same
 * filesystem, so rename is atomic), is fsynced, and is renamed over the target; the directory is then
 * fsynced so the rename itself survives a power loss. Readers see the old file or the new one, never a mix.
 *
 * The two halves ({@link writeTempFile}, {@link commitTempFile}) are exported separately because the tool
 * journal records its intent between them.
 */

/** Prefix of every temp file this module creates, so they are recognisable if a crash leaves one behind. */
export const TEMP_FILE_PREFIX = '.lucid-tmp-';

/** A fresh temp path next to `target`. `tag` makes it deterministic (the journal uses the tool call id). */
export function tempPathFor(target: string, tag: string = randomBytes(8).toString('hex')): string {
  return path.join(path.dirname(target), `${TEMP_FILE_PREFIX}${tag}`);
}

export interface WriteOptions {
  /**
   * The path is in a session's workspace, where a sandboxed shell may swap a directory on it for a symlink: check
   * that the temp file was created where it was meant to be before writing anything to it (src/workspace/sandbox.ts).
   */
  inWorkspace?: boolean;
}

/**
 * Writes and fsyncs `data` (text, bytes, or chunks as they come) to `tempPath`, replacing any leftover from an
 * earlier attempt. When `modeFrom` names an existing file, its permission bits are copied so an edit does not make
 * a script non-executable.
 */
export async function writeTempFile(
  tempPath: string,
  data: string | Uint8Array | AsyncIterable<Uint8Array>,
  modeFrom?: string,
  options: WriteOptions = {},
): Promise<void> {
  const mode = modeFrom ? await existingMode(modeFrom) : undefined;
  // Remove a leftover first and create exclusively: O_EXCL never follows a symlink planted at the temp path.
  await fs.rm(tempPath, { force: true });
  const handle = await fs.open(tempPath, 'wx', mode ?? 0o666);
  if (options.inWorkspace) await removeIfMisplaced(handle, tempPath);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    else for await (const chunk of data) await handle.write(chunk); // a stream: never held whole in memory
    if (mode !== undefined) await handle.chmod(mode); // open()'s mode is filtered by umask and ignored if the file existed
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Renames `tempPath` over `target` and makes the rename durable. */
export async function commitTempFile(tempPath: string, target: string): Promise<void> {
  await fs.rename(tempPath, target);
  await fsyncDirectory(path.dirname(target));
}

/**
 * A temp file created through a directory swapped for a symlink lies outside the workspace: it is removed there,
 * still empty, and the write refused. (The rename that follows is safe: through a swapped directory it would look
 * for a temp file that does not exist there.)
 */
async function removeIfMisplaced(handle: FileHandle, tempPath: string): Promise<void> {
  try {
    await assertOpenedAt(handle, tempPath, path.basename(tempPath));
  } catch (error) {
    const opened = await fs.readlink(`/proc/self/fd/${handle.fd}`);
    await handle.close();
    await fs.rm(opened, { force: true });
    throw error;
  }
}

/** Atomically replaces (or creates) `target` with `data`. The parent directory must exist. */
export async function atomicWriteFile(
  target: string,
  data: string | Uint8Array,
  options: WriteOptions = {},
): Promise<void> {
  const tempPath = tempPathFor(target);
  try {
    await writeTempFile(tempPath, data, target, options);
    await commitTempFile(tempPath, target);
  } catch (error) {
    await fs.rm(tempPath, { force: true });
    throw error;
  }
}

/** fsync a directory so entries created or renamed in it are durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some filesystems refuse fsync on a directory; the rename is still atomic, just not yet durable.
    if (errnoCode(error) !== 'EINVAL' && errnoCode(error) !== 'EISDIR') throw error;
  } finally {
    await handle.close();
  }
}

async function existingMode(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).mode & 0o7777;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}
