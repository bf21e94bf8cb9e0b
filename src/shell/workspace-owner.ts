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
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Host uids Lucid gives root-owned workspaces: `base` to `base + UID_RANGE - 1`. */
export const UID_RANGE = 100_000;
/** Entries visited at most; a workspace bigger than this keeps the rest as it is (the command may then fail). */
const MAX_ENTRIES = 200_000;

/** The uid a root worker's sandbox runs as for this workspace. */
export async function sandboxUidFor(workspace: string, base: number): Promise<number> {
  const { uid } = await fs.stat(workspace);
  if (uid !== 0) return uid;
  const digest = createHash('sha256').update(path.resolve(workspace)).digest();
  return base + (digest.readUInt32BE(0) % UID_RANGE);
}

/** Gives the workspace's root-owned entries (never following links) to `uid`; returns how many changed hands. */
export async function giveWorkspaceTo(workspace: string, uid: number): Promise<number> {
  let visited = 0;
  let changed = 0;
  const pending = [workspace];
  while (pending.length > 0 && visited < MAX_ENTRIES) {
    const current = pending.pop()!;
    visited++;
    try {
      const stat = await fs.lstat(current);
      if (stat.uid === 0) {
        await fs.lchown(current, uid, stat.gid === 0 ? uid : stat.gid);
        changed++;
      }
      if (stat.isDirectory()) {
        for (const name of await fs.readdir(current)) pending.push(path.join(current, name));
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // removed meanwhile: nothing to hand over
    }
  }
  return changed;
}
