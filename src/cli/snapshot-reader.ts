/**
 * Reading a session's snapshot for display: live from its workflow while it runs (the `status` query a worker
 * answers), else the one stored when it last went idle or ended. Shared by `lucid status` and `lucid threads`.
 */
import type { SessionSnapshot } from '../domain/events';
import type { Connected } from './connect';
import { isUnavailable } from './errors';

/**
 * A running session's snapshot comes from a query a worker answers. With no worker up, the server would hold
 * the query for a long time; the stored snapshot (as of the last idle) is used instead after this long.
 */
export const LIVE_QUERY_DEADLINE_MS = 5_000;

/** A snapshot and whether it is stale because no worker answered for the running session. */
export interface ReadSnapshot {
  /** Null when the session has none yet (no worker has picked it up) or Temporal and the store both forgot it. */
  snapshot: SessionSnapshot | null;
  /** True when the session runs but no worker answered in time, so the stored snapshot stands in. */
  noWorkerAnswered: boolean;
}

/**
 * The live snapshot of a running session or the stored one of an ended session (what LucidClient.snapshot
 * gives), falling back to the stored one when no worker answers within {@link LIVE_QUERY_DEADLINE_MS}.
 * A lost server connection is not papered over: it is thrown (exit code 3).
 */
export async function readSessionSnapshot(connected: Connected, sessionId: string): Promise<ReadSnapshot> {
  try {
    const deadline = Date.now() + LIVE_QUERY_DEADLINE_MS;
    const snapshot = await connected.temporal.withDeadline(deadline, () => connected.lucid.snapshot(sessionId));
    return { snapshot, noWorkerAnswered: false };
  } catch (error) {
    if (isUnavailable(error)) throw error;
    return { snapshot: await connected.lucid.storage.sessions.readSnapshot(sessionId), noWorkerAnswered: true };
  }
}
