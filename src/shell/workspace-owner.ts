/**
 * When the worker runs as root, a sandbox runs as an unprivileged host uid (so a fork bomb meets its process limit
 * and a setuid file it writes is no root's), and that uid must own the workspace:
 *
 *   - a workspace that belongs to someone other than root (a user's own checkout) is worked on as its owner, so
 *     the files keep their owner;
 *   - a workspace that belongs to root (Lucid's default workspaces, made by the worker) is given to a uid of its
 *     own, from LUCID_SANDBOX_UID_BASE plus a hash of its path: stable across worker restarts, shared by the
 *     sessions that share the workspace (a lead and its sub-agents), different from other workspaces.
 *
 * Before each command, entries owned by root (what the worker's own tools wrote since the last call) are handed to
 * that uid; entries of any other owner are left as they are.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/** Host uids Lucid gives root-owned workspaces: `base` to `base + UID_RANGE - 1`. */
export const UID_RANGE = 100_000;

/** The uid a root worker's sandbox runs as for this workspace. */
export async function sandboxUidFor(workspace: string, base: number): Promise<number> {
  const { uid } = await fs.stat(workspace);
  if (uid !== 0) return uid;
  const digest = createHash('sha256').update(path.resolve(workspace)).digest();
  return base + (digest.readUInt32BE(0) % UID_RANGE);
}

const execFileAsync = promisify(execFile);

/**
 * Gives the workspace's root-owned entries (never following links) to `uid`.
 *
 * GNU `chown -R` rather than a walk of our own: another sandbox on the same workspace (a sub-agent's) may be
 * running meanwhile and swap a directory for a symlink to, say, /etc between a walk's look at it and its use of
 * it, and a path-based walk would then hand /etc's files to the sandbox user. chown's tree walk (fts) opens each
 * directory relative to its parent without following links and checks it is the one it looked at, and changes
 * owners relative to it, so a swap leads nowhere outside. It is also about ten times faster (bench/shell.ts).
 */
export async function giveWorkspaceTo(workspace: string, uid: number): Promise<void> {
  try {
    await execFileAsync('chown', ['-R', '-P', '-h', '--from=0', `${uid}:${uid}`, '--', workspace]);
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    const problems = stderr.split('\n').filter((line) => line && !/No such file or directory/.test(line));
    // Entries removed meanwhile have nothing to hand over; anything else is a fault of the worker's.
    if (problems.length > 0 || !stderr)
      throw new Error(`cannot give workspace ${workspace} to uid ${uid}: ${stderr.trim() || String(error)}`, {
        cause: error,
      });
  }
}
