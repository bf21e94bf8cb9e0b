/**
 * Reading dreams for display. A running dream answers the `dream` query (live, with its review state); one that
 * has ended is read from the record the worker saved in the dream registry (LucidClient's storage), which outlives
 * Temporal's retention. A dream neither knows is exit code 4.
 */
import { WorkflowFailedError, WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { Dream } from '../domain/dream';
import { DREAM_WORKFLOW, dreamQuery } from '../workflows/api/dream-api';
import type { Connected } from './connect';
import { CliError, ExitCode, isUnavailable } from './errors';
import { LIVE_QUERY_DEADLINE_MS } from './snapshot-reader';

/** The workflow type of dreams, as registered by the worker. */
export const DREAM_WORKFLOW_TYPE = DREAM_WORKFLOW;

/** A dream as found, and where from. */
export interface FoundDream {
  dream: Dream;
  /** Temporal's view of the dream's workflow; null once Temporal has forgotten it (only the record is left). */
  description: WorkflowExecutionDescription | null;
  /** True while the workflow runs, so signals (review decisions) still reach it. */
  running: boolean;
  /** True when the dream runs but no worker answered the query in time, so its saved record stands in. */
  noWorkerAnswered: boolean;
}

/** Looks the dream up (live while it runs, else its record), or throws a CliError saying why it can't be shown. */
export async function findDream(connected: Connected, dreamId: string): Promise<FoundDream> {
  const description = await describeDream(connected, dreamId);
  const running = description?.status.name === 'RUNNING';
  if (running) {
    const live = await queryDream(connected, dreamId);
    if (live) return { dream: live, description, running, noWorkerAnswered: false };
  }
  const saved = await connected.lucid.storage.dreams.readDream(dreamId);
  if (saved) return { dream: saved, description, running, noWorkerAnswered: running };
  if (!description) throw unknownDreamError(dreamId);
  if (running)
    throw new CliError(`dream ${dreamId} has not started yet (no worker has picked it up?)`, ExitCode.failed);
  throw new CliError(
    `dream ${dreamId} ended (${description.status.name.toLowerCase()}) before it saved a record: ${await failureOf(connected, dreamId)}`,
    ExitCode.failed,
  );
}

/** The live dream of a running workflow, or null when no worker answers within the deadline. */
export async function queryDream(connected: Connected, dreamId: string): Promise<Dream | null> {
  try {
    const deadline = Date.now() + LIVE_QUERY_DEADLINE_MS;
    return await connected.temporal.withDeadline(deadline, () =>
      connected.temporal.workflow.getHandle(dreamId).query(dreamQuery),
    );
  } catch (error) {
    if (isUnavailable(error)) throw error;
    return null;
  }
}

/** Temporal's description of the dream's workflow; null when it has none; exit 4 when the id is not a dream's. */
async function describeDream(connected: Connected, dreamId: string): Promise<WorkflowExecutionDescription | null> {
  let description: WorkflowExecutionDescription;
  try {
    description = await connected.temporal.workflow.getHandle(dreamId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
  if (description.type !== DREAM_WORKFLOW_TYPE) {
    throw new CliError(`${dreamId} is not a dream (it is a ${description.type} workflow)`, ExitCode.notFound);
  }
  return description;
}

/** Why a dream's workflow failed, e.g. "invalid dream input: …", for dreams that ended before saving anything. */
async function failureOf(connected: Connected, dreamId: string): Promise<string> {
  try {
    await connected.temporal.workflow.getHandle(dreamId).result();
    return 'no reason recorded';
  } catch (error) {
    const cause = error instanceof WorkflowFailedError ? error.cause : error;
    return cause instanceof Error ? cause.message : String(cause);
  }
}

export function unknownDreamError(dreamId: string): CliError {
  return new CliError(`no dream with id "${dreamId}" (see: lucid dreams list)`, ExitCode.notFound);
}
