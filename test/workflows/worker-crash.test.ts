import fs from 'node:fs';
import path from 'node:path';
import { LucidClient } from '../../src/client';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';
import { openStorage } from '../../src/storage/open-storage';
import { temporal as proto } from '@temporalio/proto';
import { addChange, changesReply, lessonsReply } from '../helpers/dream-replies';
import { activityAttempts, occurrencesInHistory } from '../helpers/history-payloads';
import { expectWellFormedLog } from '../helpers/session';
import { connectTestTemporal, tempDir, uniqueTaskQueue, type TestTemporal } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { waitFor } from '../helpers/wait-for';

const agent: AgentDefinition = {
  name: 'crash-survivor',
  model: 'scripted-small',
  system: 'Count carefully.',
  tools: ['read_file', 'write_file', 'edit_file'],
  max_turns: 10,
  max_tokens: 256,
};

describe('a worker killed mid-session', () => {
  let temporal: TestTemporal;
  let model: ScriptedModel;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    model = await startScriptedModel({
      scenario: {
        rules: [
          {
            match: {},
            times: 1,
            reply: {
              content: [
                {
                  type: 'tool_use',
                  name: 'edit_file',
                  input: { path: 'counter.txt', old_string: 'x', new_string: 'xx' },
                },
                { type: 'tool_use', name: 'write_file', input: { path: 'log.txt', content: 'edited once\n' } },
              ],
            },
          },
          // The second request is slow: the worker is killed while it is in flight, and the retry lands here too.
          {
            match: {},
            times: 2,
            delay_ms: 4000,
            reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'counter.txt' } }] },
          },
          { match: {}, reply: { content: [{ type: 'text', text: 'The counter reads xx.' }] } },
        ],
      },
    });
  });

  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGTERM');
    await model?.close();
    await temporal?.close();
  });

  it('is finished by a new worker with no lost or duplicated events and no tool applied twice', async () => {
    const dataDir = tempDir('lucid-crash-');
    const workspace = tempDir('lucid-crash-ws-');
    fs.writeFileSync(path.join(workspace, 'counter.txt'), 'count: x\n');
    const taskQueue = uniqueTaskQueue('lucid-crash');
    const options = { address: temporal.address, taskQueue, dataDir, modelUrl: model.url };
    const storage = openStorage({ dataDir });
    const store = storage.sessions;
    const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });

    const first = startWorkerProcess(options);
    workers.push(first);
    await first.ready;
    const sessionId = await lucid.startSession({ agent, message: 'Double the x', workspace });

    await waitFor(() => model.requests.length >= 2, 'the second model request');
    await first.kill('SIGKILL');
    const second = startWorkerProcess(options);
    workers.push(second);
    await second.ready;

    const snapshot = await lucid.result(sessionId);
    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    expect(snapshot.final_message).toBe('The counter reads xx.');
    expect(fs.readFileSync(path.join(workspace, 'counter.txt'), 'utf8')).toBe('count: xx\n');
    expect(fs.readFileSync(path.join(workspace, 'log.txt'), 'utf8')).toBe('edited once\n');

    const events = await store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    const toolUses = events.filter((event) => event.type === 'agent.tool_use');
    const toolResults = events.filter((event) => event.type === 'agent.tool_result');
    expect(toolUses).toHaveLength(3);
    expect(toolResults).toHaveLength(3);
    expect(toolResults.every((event) => event.type === 'agent.tool_result' && !event.is_error)).toBe(true);
    // The killed request had the first results to store, read back from the tool journal: stored once, whole.
    expect(toolResults.map((event) => event.type === 'agent.tool_result' && event.content[0].text)).toEqual([
      expect.stringContaining('counter.txt'),
      expect.stringContaining('log.txt'),
      'count: xx\n',
    ]);
    // The in-flight request was lost with the worker and sent again: three model requests made it into the log.
    expect(events.filter((event) => event.type === 'span.model_request_end')).toHaveLength(3);
    expect(model.requests).toHaveLength(4);
  });

  it('retries a tool call lost with its worker and stores its result once, whole, in the log and the history', async () => {
    // grep stops after 5,000,000 lines: over these files that takes a second or more, long enough to kill the
    // worker while the call runs.
    const workspace = tempDir('lucid-crash-tool-');
    const lines = 'abcdefghi\n'.repeat(1_000_000);
    for (let n = 1; n <= 5; n++) fs.writeFileSync(path.join(workspace, `big-${n}.txt`), lines);
    model.setScenario({
      rules: [
        {
          match: {},
          times: 1,
          reply: { content: [{ type: 'tool_use', name: 'grep', input: { pattern: 'GREP-MARKER-(a|b)+z' } }] },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Nothing found.' }] } },
      ],
    });
    const dataDir = tempDir('lucid-crash-tool-data-');
    const taskQueue = uniqueTaskQueue('lucid-crash-tool');
    const options = { address: temporal.address, taskQueue, dataDir, modelUrl: model.url };
    const storage = openStorage({ dataDir });
    const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });

    const first = startWorkerProcess(options);
    workers.push(first);
    await first.ready;
    const sessionId = await lucid.startSession({ agent: { ...agent, tools: ['grep'] }, message: 'Search', workspace });
    const handle = temporal.client.workflow.getHandle(sessionId);
    const toolRunning = async () =>
      (await handle.describe()).raw.pendingActivities?.some(
        (activity) =>
          activity.activityType?.name === 'runTool' &&
          activity.state === proto.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
      ) ?? false;
    await waitFor(toolRunning, 'the grep call to start');
    await first.kill('SIGKILL');
    const second = startWorkerProcess(options);
    workers.push(second);
    await second.ready;

    const snapshot = await lucid.result(sessionId);
    expect(snapshot.final_message).toBe('Nothing found.');
    const events = await storage.sessions.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    const results = events.filter((event) => event.type === 'agent.tool_result');
    expect(results).toHaveLength(1);
    const [result] = results;
    expect(result.type === 'agent.tool_result' && result.content[0].text).toContain('No matches for /GREP-MARKER-');
    const history = (await handle.fetchHistory()).events ?? [];
    // The call was run again by the second worker (its first attempt died with the first one)...
    expect(activityAttempts(history, 'runTool')).toEqual([2]);
    // ...and its output is in the history once: the tool activity's result, not again in the next model call.
    expect(occurrencesInHistory(history, 'No matches for /GREP-MARKER-')).toBe(1);
  });

  it('resumes the outcome loop after a worker is killed during grading, counting no iteration twice', async () => {
    const verdict = {
      result: 'satisfied',
      explanation: 'The counter file exists.',
      criteria: [{ criterion: 'counter.txt exists', met: true, explanation: 'it does' }],
    };
    model.setScenario({
      rules: [
        // Slow grader: the worker dies while it answers, and the retried grading lands here too.
        {
          match: { tools_include: 'submit_verdict' },
          delay_ms: 3000,
          reply: { content: [{ type: 'tool_use', name: 'submit_verdict', input: verdict }] },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Counter is in place.' }] } },
      ],
    });
    const before = model.requests.length;
    const dataDir = tempDir('lucid-crash-grade-');
    const taskQueue = uniqueTaskQueue('lucid-crash-grade');
    const options = { address: temporal.address, taskQueue, dataDir, modelUrl: model.url };
    const storage = openStorage({ dataDir });
    const store = storage.sessions;
    const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });
    const isGrader = (index: number) =>
      JSON.stringify(model.requests[index].body.tools ?? []).includes('submit_verdict');

    const first = startWorkerProcess(options);
    workers.push(first);
    await first.ready;
    const sessionId = await lucid.startSession({
      agent,
      message: 'Check the counter',
      outcome: { description: 'counter.txt exists', rubric: { type: 'text', content: '- counter.txt exists' } },
    });
    await waitFor(
      () => model.requests.slice(before).some((_, offset) => isGrader(before + offset)),
      'the grader request',
    );
    await first.kill('SIGKILL');
    const second = startWorkerProcess(options);
    workers.push(second);
    await second.ready;

    const snapshot = await lucid.result(sessionId);
    expect(snapshot.outcome_evaluations).toEqual([expect.objectContaining({ result: 'satisfied', iteration: 0 })]);
    const events = await store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    expect(events.filter((event) => event.type === 'span.outcome_evaluation_start')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'span.outcome_evaluation_end')).toHaveLength(1);
    const graderRequests = model.requests.slice(before).filter((_, offset) => isGrader(before + offset));
    expect(graderRequests).toHaveLength(2); // the one lost with the worker, and its retry
  });

  it('finishes a lead and its running threads after a restart, starting no thread twice', async () => {
    const researcher: AgentDefinition = { ...agent, name: 'researcher', system: 'RESEARCHER', tools: ['write_file'] };
    const lead: AgentDefinition = { ...agent, name: 'lead', system: 'LEAD', tools: [], subagents: [researcher] };
    const delegate = (task: string) => ({
      type: 'tool_use' as const,
      name: 'delegate',
      input: { agent: 'researcher', task },
    });
    model.setScenario({
      rules: [
        { match: { system: 'RESEARCHER' }, delay_ms: 3000, reply: { content: [{ type: 'text', text: 'researched' }] } },
        { match: { system: 'LEAD' }, times: 1, reply: { content: [delegate('task one'), delegate('task two')] } },
        { match: { system: 'LEAD' }, reply: { content: [{ type: 'text', text: 'Both threads reported.' }] } },
      ],
    });
    const before = model.requests.length;
    const dataDir = tempDir('lucid-crash-threads-');
    const taskQueue = uniqueTaskQueue('lucid-crash-threads');
    const options = { address: temporal.address, taskQueue, dataDir, modelUrl: model.url };
    const storage = openStorage({ dataDir });
    const store = storage.sessions;
    const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });
    const researcherRequests = () =>
      model.requests.slice(before).filter((request) => JSON.stringify(request.body.system).includes('RESEARCHER'));

    const first = startWorkerProcess(options);
    workers.push(first);
    await first.ready;
    const sessionId = await lucid.startSession({ agent: lead, message: 'Fan out' });
    await waitFor(() => researcherRequests().length >= 2, 'both threads to call the model');
    await first.kill('SIGKILL');
    const second = startWorkerProcess(options);
    workers.push(second);
    await second.ready;

    const snapshot = await lucid.result(sessionId);
    expect(snapshot.final_message).toBe('Both threads reported.');
    const events = await store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    expect(events.filter((event) => event.type === 'session.thread_created')).toHaveLength(2);
    const children = [];
    for await (const execution of temporal.client.workflow.list({ query: `LucidParentSession = "${sessionId}"` }))
      children.push(execution.workflowId);
    expect(new Set(children).size).toBe(2);
    expect(children).toHaveLength(2);
  });

  it('keeps a dream waiting for approval through a worker kill, then applies what is approved', async () => {
    model.setScenario({
      rules: [
        lessonsReply('Check the counter.'),
        changesReply([addChange('/counter.md', 'Check the counter.', 'seen once')]),
        { match: {}, reply: { content: [{ type: 'text', text: 'done' }] } },
      ],
    });
    const dataDir = tempDir('lucid-crash-dream-');
    const taskQueue = uniqueTaskQueue('lucid-crash-dream');
    const options = { address: temporal.address, taskQueue, dataDir, modelUrl: model.url };
    const lucid = new LucidClient({ client: temporal.client, taskQueue, dataDir });
    const memory = lucid.storage.memory;

    const first = startWorkerProcess(options);
    workers.push(first);
    await first.ready;
    const sessionId = await lucid.startSession({ agent, message: 'count' });
    await lucid.result(sessionId);
    const store = await memory.createStore({ name: 'crash' });
    const dreamId = await lucid.startDream({
      memory_store_id: store.id,
      sessions: { type: 'session_ids', session_ids: [sessionId] },
      model: 'dream-model',
      output_behavior: { type: 'update_existing' },
    });
    await waitFor(
      async () => (await lucid.dream(dreamId))?.phase === 'awaiting_review',
      'the dream to wait for review',
    );
    await first.kill('SIGKILL');
    const second = startWorkerProcess(options);
    workers.push(second);
    await second.ready;

    await lucid.approveAll(dreamId, { by: 'ana' });
    const finished = await lucid.dreamResult(dreamId);
    expect(finished.changes.map((change) => change.status)).toEqual(['applied']);
    expect((await memory.getMemoryByPath(store.id, '/counter.md')).content).toBe('Check the counter.');
    expect(await memory.listVersions(store.id)).toHaveLength(1);
  });

  it('shuts down gracefully on SIGTERM', async () => {
    const worker = startWorkerProcess({
      address: temporal.address,
      taskQueue: uniqueTaskQueue('lucid-sigterm'),
      dataDir: tempDir('lucid-sigterm-'),
      modelUrl: model.url,
    });
    workers.push(worker);
    await worker.ready;
    expect(await worker.kill('SIGTERM')).toBe(0);
  });
});
