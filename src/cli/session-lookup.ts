/**
 * Finding a session by id. Temporal knows every session until its retention period ends; after that only the
 * event store (LUCID_DATA_DIR) still has it. A session neither knows is unknown: exit code 4.
 */
import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import { LUCID_STATUS } from '../search-attributes';
import type { Connected } from './connect';
import { CliError, ExitCode, unknownSessionError } from './errors';

export interface FoundSession {
  /** Temporal's view of the session's workflow; null when only the event store still has the session. */
  description: WorkflowExecutionDescription | null;
}

/** Looks the session up, throwing the "unknown session" error (exit 4) when nobody knows it. */
export async function findSession(connected: Connected, sessionId: string): Promise<FoundSession> {
  const description = await describeOrNull(connected, sessionId);
  if (description) return { description };
  const stored = await connected.lucid.readEvents(sessionId, { limit: 1 });
  if (stored.length > 0) return { description: null };
  throw unknownSessionError(sessionId);
}

/**
 * Looks up a session that must still be running to receive a signal (send, interrupt). Signalling a closed
 * workflow fails with "not found", which would wrongly read as an unknown id, so this checks first.
 */
export async function findRunningSession(
  connected: Connected,
  sessionId: string,
): Promise<WorkflowExecutionDescription> {
  const { description } = await findSession(connected, sessionId);
  if (!description || description.status.name !== 'RUNNING') {
    const status = description ? description.status.name.toLowerCase() : 'no longer in Temporal';
    throw new CliError(`session "${sessionId}" has ended (${status}); it no longer accepts messages`, ExitCode.failed);
  }
  return description;
}

/** The session's own status (running, idle, terminated) as the workflow last published it, if any. */
export function lucidStatusOf(
  description: Pick<WorkflowExecutionDescription, 'typedSearchAttributes'>,
): string | undefined {
  return description.typedSearchAttributes.get(LUCID_STATUS);
}

async function describeOrNull(connected: Connected, sessionId: string): Promise<WorkflowExecutionDescription | null> {
  try {
    return await connected.temporal.workflow.getHandle(sessionId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}
