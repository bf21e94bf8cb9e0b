/**
 * When the worker runs as root, each sandbox runs as an unprivileged host uid of its own (so a fork bomb meets its
 * process limit and a setuid file it writes is no root's). Its workspace must then belong to that uid, including
 * files the worker's own tools wrote since the last call (as root); this hands them over before each command.
 * Sessions sharing a workspace (a lead and its sub-agents) share its uid, so their files stay writable to each other.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Host uids a root worker's sandboxes run as: `base` to `base + UID_RANGE - 1`. */
export const UID_RANGE = 100_000;
/** Entries visited at most; a workspace bigger than this keeps the rest as it is (the command may then fail). */
const MAX_ENTRIES = 200_000;

/** The uid for a workspace's sandboxes: stable across worker restarts, different for different workspaces. */
export function sandboxUidFor(workspace: string, base: number): number {
  const digest = createHash('sha256').update(path.resolve(workspace)).digest();
  return base + (digest.readUInt32BE(0) % UID_RANGE);
}

/** Gives every entry of the workspace (never following links) to `uid`; returns how many changed hands. */
export async function giveWorkspaceTo(workspace: string, uid: number): Promise<number> {
  let visited = 0;
  let changed = 0;
  const pending = [workspace];
  while (pending.length > 0 && visited < MAX_ENTRIES) {
    const current = pending.pop()!;
    visited++;
    try {
      const stat = await fs.lstat(current);
      if (stat.uid !== uid || stat.gid !== uid) {
        await fs.lchown(current, uid, uid);
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
