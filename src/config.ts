import path from 'node:path';

/** Default task queue of every Lucid workflow and activity; override with LUCID_TASK_QUEUE. */
export const DEFAULT_TASK_QUEUE = 'lucid';

export function taskQueue(env: NodeJS.ProcessEnv = process.env): string {
  return env.LUCID_TASK_QUEUE || DEFAULT_TASK_QUEUE;
}

/** Where sessions, event logs and (without LUCID_WORKSPACE_ROOT) default workspaces live (LUCID_DATA_DIR, default `.lucid/`). */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.LUCID_DATA_DIR || '.lucid');
}

/** The folder of named agent definitions (`<name>.json`); LUCID_AGENTS_DIR, default `agents/`. */
export function agentsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.LUCID_AGENTS_DIR || 'agents');
}

/**
 * Where the workspaces of sessions that name none are made (LUCID_WORKSPACE_ROOT): with several worker hosts, a
 * shared network mount, so a session's files are there whichever worker runs its next tool. Unset:
 * `<data directory>/workspaces`.
 */
export function workspaceRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.LUCID_WORKSPACE_ROOT ? path.resolve(env.LUCID_WORKSPACE_ROOT) : undefined;
}
