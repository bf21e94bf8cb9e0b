/**
 * The activity failure boundary end to end, on a real worker and dev server: a failure that would fail the same way
 * again is attempted once (the history says so), a failure shows its innermost message wherever it surfaces, and
 * the worker (`npm run worker`, a real process) logs an expected model error as one line.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import { LucidClient } from '../../src/client';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { Dream } from '../../src/domain/dream';
import { FailureType } from '../../src/domain/failure-types';
import { InvalidSessionInputError } from '../../src/errors';
import { FsMemoryStore } from '../../src/memory/fs-memory-store';
import { startScriptedModel } from '../../src/scripted-model/server';
import { addChange, changesReply, lessonsReply } from '../helpers/dream-replies';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { connectTestTemporal, tempDir, uniqueTaskQueue } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

const agent: AgentDefinition = {
  name: 'reporter',
  model: 'agent-model',
  system: 'AGENT-SYSTEM',
  tools: [],
  max_turns: 5,
  max_tokens: 256,
};

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** The attempt each local activity of this type ended on, as its marker in the history records it. */
function localActivityAttempts(history: History, activityType: string): number[] {
  return (history.events ?? []).flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return [];
    const data = marker.details?.data?.payloads?.[0]?.data;
    const recorded = JSON.parse(Buffer.from(data ?? []).toString()) as { attempt: number; activity_type: string };
    return recorded.activity_type === activityType ? [recorded.attempt] : [];
  });
}

/** The attempt each scheduled activity of this type was started on (Temporal records the last attempt's start). */
function scheduledActivityAttempts(history: History, activityType: string): number[] {
  const events = history.events ?? [];
  const scheduled = new Set(
    events
      .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
      .map((event) => String(event.eventId)),
  );
  return events.flatMap((event) => {
    const started = event.activityTaskStartedEventAttributes;
    return started && scheduled.has(String(started.scheduledEventId)) ? [started.attempt ?? 0] : [];
  });
}

describe('activity failures', () => {
  let harness: SessionHarness;
  let memory: FsMemoryStore;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
    memory = new FsMemoryStore(path.join(harness.dataDir, 'memory'));
  });
  afterAll(async () => harness?.close());

  async function failureOf(handle: WorkflowHandle): Promise<Error> {
    const error = await handle.result().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    return (error as WorkflowFailedError).cause as Error;
  }

  it('fails a session on an unknown agent after one attempt, non-retryable, typed InvalidAgent', async () => {
    const handle = await harness.temporal.client.workflow.start('agentSession', {
      taskQueue: harness.taskQueue,
      workflowId: `unknown-agent-${Date.now()}`,
      args: [{ agent: 'no-such-agent', message: 'hi' }],
    });
    const failure = await failureOf(handle);
    expect(failure).toMatchObject({ type: FailureType.InvalidAgent, nonRetryable: true });
    expect(failure.message).toMatch(/agent "no-such-agent" not found/);
    expect(localActivityAttempts(await handle.fetchHistory(), 'loadAgentDefinition')).toEqual([1]);
  });

  it('fails a session whose attached memory store is missing after one attempt, typed InvalidSessionInput', async () => {
    const handle = await harness.temporal.client.workflow.start('agentSession', {
      taskQueue: harness.taskQueue,
      workflowId: `missing-store-${Date.now()}`,
      args: [{ agent, message: 'hi', memory_stores: [{ memory_store_id: 'memstore_missing', access: 'read_only' }] }],
    });
    const failure = await failureOf(handle);
    expect(failure).toMatchObject({ type: FailureType.InvalidSessionInput, nonRetryable: true });
    expect(failure.message).toMatch(/invalid session input: No memory store "memstore_missing"/);
    expect(localActivityAttempts(await handle.fetchHistory(), 'loadMemoryContext')).toEqual([1]);
  });

  it('rejects invalid input in the client with a typed error, before anything starts', async () => {
    const error = await harness.lucid.startSession({ agent, message: '' }).catch((caught: unknown) => caught);
    expect(InvalidSessionInputError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^invalid session input: .*message/);
  });

  it('fails a dream whose store vanished during review once, with the store error as its message everywhere', async () => {
    harness.model.setScenario({
      rules: [
        lessonsReply('check'),
        changesReply([addChange('/a.md', 'a', 'keep a')]),
        { match: {}, reply: { content: [{ type: 'text', text: 'ok' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'work' });
    await harness.lucid.result(sessionId);
    const store = await memory.createStore({ name: 'vanishing' });
    const dreamId = await harness.lucid.startDream({
      memory_store_id: store.id,
      sessions: { type: 'session_ids', session_ids: [sessionId] },
      model: 'dream-model',
      review: 'human',
      output_behavior: { type: 'update_existing' },
    });
    await waitForPhase(harness.lucid, dreamId, 'awaiting_review');
    // The store disappears from under the dream (an operator removed its folder): applying fails the same way
    // however often it is tried.
    fs.rmSync(path.join(harness.dataDir, 'memory', 'stores', store.id), { recursive: true });
    await harness.lucid.approveAll(dreamId, { by: 'ana' });

    const handle = harness.temporal.client.workflow.getHandle(dreamId);
    const failure = await failureOf(handle);
    const storeMessage = `No memory store ${JSON.stringify(store.id)}.`;
    expect(failure).toMatchObject({ type: FailureType.MemoryNotFound, message: storeMessage });
    expect(await harness.lucid.dream(dreamId)).toMatchObject({
      status: 'failed',
      error: { type: FailureType.MemoryNotFound, message: storeMessage },
    });
    expect(scheduledActivityAttempts(await handle.fetchHistory(), 'applyDreamChange')).toEqual([1]);
  });

  it('ends a grading the model refused with the model API message, not the activity wrapper', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { tools_include: 'submit_verdict' },
          reply: { error: { status: 400, message: 'prompt is too long for the grader' } },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Done.' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({
      agent,
      message: 'Write it',
      outcome: { description: 'A note', rubric: { type: 'text', content: '- It exists' } },
    });
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.outcome_evaluations[0]).toMatchObject({
      result: 'grader_error',
      explanation: 'grader error: model API answered 400: prompt is too long for the grader',
    });
  });
});

describe('the worker process', () => {
  let worker: WorkerProcess | undefined;
  afterAll(async () => worker?.kill('SIGTERM'));

  it('logs an expected model error as one line, with no object dump', async () => {
    const temporal = await connectTestTemporal();
    const model = await startScriptedModel({
      scenario: {
        rules: [
          { match: {}, times: 1, reply: { error: { status: 429, retry_after: 0, message: 'slow down' } } },
          { match: {}, reply: { content: [{ type: 'text', text: 'Second time.' }] } },
        ],
      },
    });
    try {
      const taskQueue = uniqueTaskQueue('lucid-log');
      worker = startWorkerProcess({ address: temporal.address, taskQueue, dataDir: tempDir(), modelUrl: model.url });
      await worker.ready;
      const lucid = new LucidClient({ client: temporal.client, taskQueue, dataDir: tempDir() });
      const sessionId = await lucid.startSession({ agent, message: 'hello' });
      expect((await lucid.result(sessionId)).final_message).toBe('Second time.');

      const lines = worker.output().split('\n');
      const failed = lines.filter((line) => line.includes('Activity failed'));
      expect(failed).toEqual([
        expect.stringMatching(
          /\[WARN\] Activity failed \(expected, not retried\): ModelRateLimited: model API answered 429: slow down .*activityType=callModel/,
        ),
      ]);
      // No multi-line metadata or stack anywhere in the worker's log.
      expect(lines.filter((line) => /^\s*(\{|\}|at |sdkComponent|taskToken)/.test(line))).toEqual([]);
    } finally {
      await model.close();
      await temporal.close();
    }
  });
});

async function waitForPhase(lucid: LucidClient, dreamId: string, phase: Dream['phase']): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await lucid.dream(dreamId))?.phase !== phase) {
    if (Date.now() > deadline) throw new Error(`dream ${dreamId} never reached ${phase}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
