/**
 * The session's storage steps (agent lookup, workspace, memory context, event log, snapshot): short and
 * idempotent activities, each with a summary for the Temporal UI's timeline.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SessionPatches } from './session-patches';

const STORAGE_ACTIVITY = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
} as const;

/**
 * Sessions started before this patch ran every storage step as a scheduled activity and persisted the log in an
 * activity of its own before each model call. Now the model activity persists the events it is handed, and the
 * short, idempotent storage steps (agent lookup, workspace, memory context, event log, snapshot) run as local
 * activities, inside the workflow task that needs them: a turn costs the model call and its tools, nothing more.
 */
export const LEAN_TURNS_PATCH = 'lean-turns';

/**
 * Storage steps: local activities for sessions on the lean-turns patch, scheduled ones for older sessions. The
 * summary says in the Temporal UI's timeline what the step did; it is metadata, not part of what replay compares.
 */
export function storage(patches: SessionPatches, summary: string) {
  const options = { ...STORAGE_ACTIVITY, summary };
  return patches.has(LEAN_TURNS_PATCH)
    ? proxyLocalActivities<Activities>(options)
    : proxyActivities<Activities>(options);
}
