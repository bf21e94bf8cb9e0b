/**
 * When the worker runs as root, each sandbox runs as an unprivileged host uid of its own (so a fork bomb meets its
 * process limit and a setuid file it writes is no root's). Its workspace must then belong to that uid, including
 * files the worker's own tools wrote since the last call (as root); this hands them over before each command.
 * Sessions sharing a workspace (a lead and its sub-agents) share its uid, so their files stay writable to each other.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';

/** Host uids a root worker's sandboxes run as: `base` to `base + UID_RANGE - 1`. */
export const UID_RANGE = 100_000;

/** The uid for a workspace's sandboxes: stable across worker restarts, different for different workspaces. */
export function sandboxUidFor(workspace: string, base: number): number {
  const digest = createHash('sha256').update(path.resolve(workspace)).digest();
  return base + (digest.readUInt32BE(0) % UID_RANGE);
}

const execFileAsync = promisify(execFile);

/**
 * Gives every entry of the workspace (never following links) to `uid`.
 *
 * GNU `chown -R` rather than a walk of our own: another sandbox on the same workspace (a sub-agent's) may be
 * running meanwhile and swap a directory for a symlink to, say, /etc between a walk's look at it and its use of
 * it, and a path-based walk would then hand /etc's files to the sandbox user. chown's tree walk (fts) opens each
 * directory relative to its parent without following links and checks it is the one it looked at, and changes
 * owners relative to it, so a swap leads nowhere outside. It is also about ten times faster (bench/shell.ts).
 */
export async function giveWorkspaceTo(workspace: string, uid: number): Promise<void> {
  try {
    await execFileAsync('chown', ['-R', '-P', '-h', `${uid}:${uid}`, '--', workspace]);
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
