/** Shared set-up for session tests: a real worker, the scripted model, a data dir and a Lucid client. */
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { LucidClient } from '../../src/client';
import type { SessionEvent } from '../../src/domain/events';
import type { Scenario } from '../../src/scripted-model/scenario';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';
import { openStorage, type Storage } from '../../src/storage/open-storage';
import type { SessionStore } from '../../src/storage/session-store';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import { AGENT_SESSION_WORKFLOW } from '../../src/workflows/api/session-api';
import { waitFor } from './wait-for';
import {
  connectTestTemporal,
  createTestWorker,
  workflowBundle,
  tempDir,
  uniqueTaskQueue,
  type TestTemporal,
  type TestWorkerOptions,
} from './temporal';

export interface SessionHarness {
  temporal: TestTemporal;
  model: ScriptedModel;
  worker: Worker;
  workerRun: Promise<void>;
  lucid: LucidClient;
  /** The worker's storage, opened on the same data dir. */
  storage: Storage;
  store: SessionStore;
  dataDir: string;
  taskQueue: string;
  close(): Promise<void>;
}

export async function startSessionHarness(
  scenario: Scenario,
  options: Pick<TestWorkerOptions, 'shellPool'> = {},
): Promise<SessionHarness> {
  const temporal = await connectTestTemporal();
  const model = await startScriptedModel({ scenario });
  const dataDir = tempDir('lucid-data-');
  const taskQueue = uniqueTaskQueue();
  const worker = await createTestWorker({ temporal, taskQueue, dataDir, modelUrl: model.url, ...options });
  const workerRun = worker.run();
  const storage = openStorage({ dataDir });
  const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });
  return {
    temporal,
    model,
    worker,
    workerRun,
    lucid,
    storage,
    store: storage.sessions,
    dataDir,
    taskQueue,
    async close() {
      worker.shutdown();
      await workerRun;
      await model.close();
      await temporal.close();
    },
  };
}

export function workspaceOf(harness: SessionHarness, sessionId: string): string {
  return harness.storage.defaultWorkspace(sessionId);
}

/** Checks the invariants every persisted log must keep: seqs 1..n without gaps or duplicates, unique ids. */
export function expectWellFormedLog(events: SessionEvent[], expectedCount: number): void {
  expect(events.map((event) => event.seq)).toEqual(Array.from({ length: expectedCount }, (_, index) => index + 1));
  expect(new Set(events.map((event) => event.id)).size).toBe(expectedCount);
  for (const event of events) expect(Date.parse(event.processed_at)).not.toBeNaN();
}

/** Starts agentSession the way a Temporal CLI user would: `temporal workflow start --input '<json>'`. */
export function startWithTemporalCli(harness: SessionHarness, sessionId: string, input: unknown): WorkflowHandle {
  execFileSync(
    ensureTemporalCli(),
    [
      'workflow',
      'start',
      '--address',
      harness.temporal.address,
      '--task-queue',
      harness.taskQueue,
      '--type',
      AGENT_SESSION_WORKFLOW,
      '--workflow-id',
      sessionId,
      '--input',
      JSON.stringify(input),
    ],
    { stdio: 'pipe' },
  );
  return harness.temporal.client.workflow.getHandle(sessionId);
}

/** Waits until the session's final message is `text`. */
export async function waitForFinalMessage(harness: SessionHarness, sessionId: string, text: string): Promise<void> {
  await waitFor(async () => (await harness.lucid.snapshot(sessionId))?.final_message === text, `"${text}"`);
}

/** Expects the session's history so far to replay against today's workflow code. */
export async function expectSessionReplays(harness: SessionHarness, sessionId: string): Promise<void> {
  const history = await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory();
  await expect(
    Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, sessionId),
  ).resolves.toBeUndefined();
}

type EventReader = Pick<LucidClient, 'readEvents'>;

/** Waits until the session's log holds at least `count` events of `type`, and returns them all. */
export async function waitForEvents<T extends SessionEvent['type']>(
  lucid: EventReader,
  sessionId: string,
  type: T,
  count = 1,
): Promise<Array<Extract<SessionEvent, { type: T }>>> {
  let found: Array<Extract<SessionEvent, { type: T }>> = [];
  await waitFor(async () => {
    found = (await lucid.readEvents(sessionId)).filter(
      (event): event is Extract<SessionEvent, { type: T }> => event.type === type,
    );
    return found.length >= count;
  }, `${count} ${type} events in ${sessionId}`);
  return found;
}

/** Waits for the session's `count`-th `requires_action` idle and returns the event ids it waits on. */
export async function waitForRequiresAction(lucid: EventReader, sessionId: string, count = 1): Promise<string[]> {
  let ids: string[] = [];
  await waitFor(async () => {
    const reasons = (await lucid.readEvents(sessionId)).flatMap((event) =>
      event.type === 'session.status_idle' && event.stop_reason.type === 'requires_action' ? [event.stop_reason] : [],
    );
    ids = reasons[count - 1]?.event_ids ?? [];
    return reasons.length >= count;
  }, `requires_action #${count} in ${sessionId}`);
  return ids;
}
