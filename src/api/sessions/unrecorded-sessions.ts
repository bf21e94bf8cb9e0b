/**
 * Sessions started without the API (the CLI, LucidClient, the Temporal CLI) have no session record, so
 * `sessions.list` finds them in Temporal's visibility: the `agentSession` workflows on this server's task queue.
 * Thread workflows are the same type and are told apart by their LucidParentSession search attribute. A workflow
 * that is not running and left no log or snapshot was deleted through the API (its workflow stays in
 * visibility until the namespace's retention drops it) and is not a session any more.
 */
import type { LucidClient } from '../../client';
import type { SessionSnapshot } from '../../domain/events';
import { LUCID_PARENT_SESSION } from '../../search-attributes';
import { AGENT_SESSION_WORKFLOW } from '../../workflows/api/session-api';
import { SessionIdSchema } from './session-params';

export interface UnrecordedSession {
  id: string;
  /** Its snapshot: the live one while it runs, the saved one after. */
  snapshot: SessionSnapshot;
}

/** Every session on the queue whose id `isRecorded` does not know, with its snapshot. */
export async function unrecordedSessions(
  lucid: LucidClient,
  isRecorded: (sessionId: string) => boolean,
): Promise<UnrecordedSession[]> {
  const query = `WorkflowType = '${AGENT_SESSION_WORKFLOW}' AND TaskQueue = '${lucid.taskQueue.replace(/'/g, "\\'")}'`;
  const candidates: { id: string; running: boolean }[] = [];
  for await (const execution of lucid.temporal.workflow.list({ query })) {
    const id = execution.workflowId;
    if (isRecorded(id) || !SessionIdSchema.safeParse(id).success) continue;
    if (execution.typedSearchAttributes.get(LUCID_PARENT_SESSION) !== undefined) continue;
    // A continued-as-new session is listed once per run: its newest run is the one that counts.
    const seen = candidates.find((candidate) => candidate.id === id);
    if (seen) seen.running ||= execution.status.name === 'RUNNING';
    else candidates.push({ id, running: execution.status.name === 'RUNNING' });
  }
  const found = await Promise.all(
    candidates.map(async ({ id, running }) => ({ id, snapshot: await snapshotOf(lucid, id, running) })),
  );
  return found.filter((session): session is UnrecordedSession => session.snapshot !== null);
}

/** The live snapshot of a running one (its saved one if no worker answers), the saved one of an ended one. */
async function snapshotOf(lucid: LucidClient, sessionId: string, running: boolean): Promise<SessionSnapshot | null> {
  if (running) {
    try {
      return await lucid.snapshot(sessionId);
    } catch {
      // no worker answered the query
    }
  }
  const saved = await lucid.storage.sessions.readSnapshot(sessionId);
  // Its workflow ended, though its last snapshot may be from an idle before it was terminated (Temporal CLI).
  return saved && !running ? { ...saved, status: 'terminated' } : saved;
}
