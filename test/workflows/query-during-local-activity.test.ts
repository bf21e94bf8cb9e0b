/**
 * A query answered while a local activity finishes splits the workflow task, and the session's history must still
 * replay. The SDK (1.24.0) then completes the task with the activity's marker and asks for a new one, and hands the
 * workflow the activity's result only in that new task; a replay hands it over in the first, a task early. Code that
 * followed the activity and called `patched()` for the first time found no marker yet there and took the old path:
 * "Non-deprecated patch marker encountered ... no corresponding change command". Sessions now decide their patches
 * in their first activation (src/workflows/session-patches.ts).
 *
 * Deterministic, not by load: the query reaches the server before any worker polls, so it comes with the first
 * workflow task, and a test interceptor makes answering it outlast the first local activity (preparing the
 * workspace).
 */
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { LucidClient } from '../../src/client';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';
import { openStorage } from '../../src/storage/open-storage';
import { snapshotQuery } from '../../src/workflows/api/session-api';
import { LUCID_AGENT } from '../../src/search-attributes';
import {
  connectTestTemporal,
  createTestWorker,
  tempDir,
  uniqueTaskQueue,
  workflowBundle,
  type TestTemporal,
} from '../helpers/temporal';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const agent: AgentDefinition = {
  name: 'queried-early',
  model: 'scripted-small',
  system: 'Answer briefly.',
  tools: [],
  max_turns: 2,
  max_tokens: 64,
};

function localActivityType(event: HistoryEvent): string | undefined {
  const data = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
  return data
    ? (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type
    : undefined;
}

/** True when a workflow task ended between the workspace's local activity marker and what the workflow did next. */
function splitAfterPreparingTheWorkspace(events: HistoryEvent[]): boolean {
  const marker = events.findIndex((event) => localActivityType(event) === 'prepareWorkspace');
  const next = events.findIndex(
    (event) => event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[LUCID_AGENT.name],
  );
  if (marker < 0 || next < marker) throw new Error('the history has no workspace marker followed by the agent upsert');
  return events.slice(marker, next).some((event) => event.workflowTaskCompletedEventAttributes);
}

describe('a query answered while a local activity finishes', () => {
  let temporal: TestTemporal;
  let model: ScriptedModel;
  let slowQueries: { code: string };
  beforeAll(async () => {
    temporal = await connectTestTemporal();
    model = await startScriptedModel({
      scenario: { rules: [{ match: {}, reply: { content: [{ type: 'text', text: 'done' }] } }] },
    });
    slowQueries = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../src/workflows'),
      workflowInterceptorModules: [require.resolve('../fixtures/workflow-interceptors/slow-queries')],
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
    });
  });
  afterAll(async () => {
    await model?.close();
    await temporal?.close();
  });

  it('splits the first workflow task, and the session still replays', async () => {
    const dataDir = tempDir('lucid-data-');
    const taskQueue = uniqueTaskQueue();
    const lucid = new LucidClient({ client: temporal.client, taskQueue, storage: openStorage({ dataDir }) });
    const sessionId = await lucid.startSession({ agent, message: 'hello' });
    const handle = temporal.client.workflow.getHandle(sessionId);
    // No worker polls yet, so the server holds the query and hands it out with the first workflow task.
    const answered = handle.query(snapshotQuery);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const worker = await createTestWorker({
      temporal,
      taskQueue,
      dataDir,
      modelUrl: model.url,
      workflowBundle: slowQueries,
    });
    await worker.runUntil(async () => {
      expect((await answered).session_id).toBe(sessionId);
      expect((await handle.result()).final_message).toBe('done');
    });

    const history = await handle.fetchHistory();
    expect(splitAfterPreparingTheWorkspace(history.events ?? [])).toBe(true);
    await expect(
      Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, sessionId),
    ).resolves.toBeUndefined();
  });
});
