/**
 * Drives the chaos workload through the Lucid client: starts each planned session at its moment, waits for its
 * result, and runs the dream that waits for a human through the chaos. Every client call survives a server
 * restart (see retry.ts); a session that fails is recorded, not thrown, so the checks can report it.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { LucidClient, StartSessionOptions } from '../../../src/client';
import type { Dream } from '../../../src/domain/dream';
import type { SessionSnapshot } from '../../../src/domain/events';
import {
  LEAD_MESSAGE,
  leadAgent,
  REPORTER_MESSAGE,
  reporterAgent,
  reporterOutcome,
  WRITER_MESSAGE,
  writerAgent,
  type SessionKind,
} from './agents';
import { approveAllUpdate } from '../../../src/workflows/api/dream-api';
import { beforeDeadline, pollUntil, retryTransient, sleep } from './retry';
import type { PlannedSession } from './schedule';

export interface WorkloadContext {
  lucid: LucidClient;
  /** When the workload started (ms since epoch); sessions start relative to it. */
  startedAt: number;
  /** Nothing waits past this (ms since epoch). */
  deadline: number;
  log(line: string): void;
}

export interface SessionRun {
  planned: PlannedSession;
  /** The workflow's result, when it completed. */
  snapshot: SessionSnapshot | null;
  error: string | null;
}

const INPUTS: Record<SessionKind, Omit<StartSessionOptions, 'sessionId'>> = {
  writer: { agent: writerAgent, message: WRITER_MESSAGE },
  reporter: { agent: reporterAgent, message: REPORTER_MESSAGE, outcome: reporterOutcome },
  lead: { agent: leadAgent, message: LEAD_MESSAGE },
};

/** Starts the session at its planned moment and waits for its result. */
export async function runSession(context: WorkloadContext, planned: PlannedSession): Promise<SessionRun> {
  const { lucid, deadline } = context;
  await sleep(Math.max(0, context.startedAt + planned.start_ms - Date.now()));
  try {
    await retryTransient(
      `start ${planned.id}`,
      () => startOnce(lucid, { sessionId: planned.id, ...INPUTS[planned.kind] }),
      deadline,
    );
    // A result is a long poll: it would wait for a stuck session forever, so the deadline cuts it off.
    const result = retryTransient(`result of ${planned.id}`, () => lucid.result(planned.id), deadline);
    const snapshot = await beforeDeadline(`result of ${planned.id}`, result, deadline);
    return { planned, snapshot, error: null };
  } catch (error) {
    context.log(`session ${planned.id} did not complete: ${(error as Error).message}`);
    return { planned, snapshot: null, error: (error as Error).message };
  }
}

/** A start whose answer was lost in a server restart may have started the workflow already: that counts. */
async function startOnce(lucid: LucidClient, options: StartSessionOptions): Promise<void> {
  try {
    await lucid.startSession(options);
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

export const DREAM_ID = 'drm_chaos';

/**
 * Starts a human-reviewed dream over the given sessions once they have finished, and resolves when it waits
 * for review: from then on it sits through the rest of the chaos until {@link approveDream}.
 */
export async function startDreamWhenReady(
  context: WorkloadContext,
  sessions: Array<Promise<SessionRun>>,
  memoryStoreId: string,
): Promise<void> {
  const { lucid, deadline } = context;
  const finished = (await Promise.all(sessions)).filter((run) => run.snapshot).map((run) => run.planned.id);
  if (finished.length === 0) throw new Error('no session finished for the dream to read');
  const input = {
    memory_store_id: memoryStoreId,
    sessions: { type: 'session_ids' as const, session_ids: finished },
    model: 'chaos-dream',
    review: 'human' as const,
    output_behavior: { type: 'update_existing' as const },
  };
  await retryTransient(
    'start the dream',
    async () => {
      try {
        await lucid.startDream(input, DREAM_ID);
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    },
    deadline,
  );
  context.log(`dream ${DREAM_ID} started over ${finished.join(', ')}`);
  await pollUntil(
    'the dream to wait for review',
    () => lucid.dream(DREAM_ID),
    (dream) => dream?.phase === 'awaiting_review',
    deadline,
    1_000,
  );
  context.log(`dream ${DREAM_ID} is waiting for review`);
}

/** Approves every pending change, as a human would once the chaos is over, and waits for the dream to end. */
export async function approveDream(context: WorkloadContext): Promise<Dream> {
  const { lucid, deadline } = context;
  // One update id for every attempt: a retry after a lost answer gets the first approval's result, not a refusal.
  const approve = () =>
    lucid.temporal.workflow
      .getHandle(DREAM_ID)
      .executeUpdate(approveAllUpdate, { args: [{ by: 'chaos-driver' }], updateId: `${DREAM_ID}-approve-all` });
  await retryTransient('approve the dream', approve, deadline);
  return beforeDeadline(
    'result of the dream',
    retryTransient('result of the dream', () => lucid.dreamResult(DREAM_ID), deadline),
    deadline,
  );
}
