/**
 * Compaction against the real dev server, worker and SDK, with the scripted model's context window set small
 * (20,000 tokens) for the agents' model: sessions whose tool output is many times the window still finish, no
 * request goes over it, and the log keeps everything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LucidClient } from '../../src/client';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { textOf, type SessionEvent } from '../../src/domain/events';
import { countInputTokens } from '../../src/domain/token-estimate';
import type { Rule, Scenario } from '../../src/scripted-model/scenario';
import { startScriptedModel, type RecordedRequest, type ScriptedModel } from '../../src/scripted-model/server';
import { openStorage } from '../../src/storage/open-storage';
import { addChange, changesReply, lessonsReply } from '../helpers/dream-replies';
import { expectWellFormedLog, startSessionHarness, type SessionHarness } from '../helpers/session';
import { connectTestTemporal, tempDir, uniqueTaskQueue, type TestTemporal } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { waitFor } from '../helpers/wait-for';

const WINDOW = 20_000;
const SMALL_MODEL = 'scripted-small';
const SUMMARISER = 'You compact the context';

/** About 4,600 tokens: four of them are past the compaction trigger (85% of the window). */
function fileContent(n: number): string {
  return `FILE-${n}-START ${'lorem ipsum dolor '.repeat(1_000)}FILE-${n}-END`;
}

function writeFiles(workspace: string, count: number): void {
  for (let n = 1; n <= count; n++) fs.writeFileSync(path.join(workspace, `f${n}.txt`), fileContent(n));
}

function reader(system: string, extra: Partial<AgentDefinition> = {}): AgentDefinition {
  return {
    name: 'reader',
    model: SMALL_MODEL,
    system,
    tools: ['read_file'],
    max_turns: 40,
    max_tokens: 256,
    context_window: WINDOW,
    // Clearing keeps the four newest results whole, more than the trigger: only compaction can make room.
    context_management: {
      clear_tool_uses: { trigger_ratio: 0.7, target_ratio: 0.5, keep: 4 },
      compaction: { enabled: true, trigger_ratio: 0.85 },
    },
    ...extra,
  };
}

const summaryRule: Rule = {
  match: { system: SUMMARISER },
  reply: { content: [{ type: 'text', text: 'SUMMARY {{n}}: the agent is reading f1.txt, f2.txt, ... in order.' }] },
};

/** `count` reads of f1.txt, f2.txt, ... one a request, then a final answer. */
function readingRules(system: string, count: number, done: string): Rule[] {
  return [
    {
      match: { system },
      times: count,
      reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'f{{n}}.txt' } }] },
    },
    { match: { system }, reply: { content: [{ type: 'text', text: done }] } },
  ];
}

const scenario = (rules: Rule[]): Scenario => ({ rules, context_windows: { [SMALL_MODEL]: WINDOW } });

const isSummaryRequest = (request: RecordedRequest) => JSON.stringify(request.body.system).includes(SUMMARISER);

function compactions(events: SessionEvent[]) {
  return events.flatMap((event) => (event.type === 'agent.thread_context_compacted' ? [event] : []));
}

/** Every summary covers the events after the previous one's range, ends before its own event, and shrinks. */
function expectCompactionsInOrder(events: SessionEvent[]): void {
  let nextFrom = 1;
  for (const event of compactions(events)) {
    expect(event.compacted_from_seq).toBe(nextFrom);
    expect(event.compacted_through_seq).toBeGreaterThanOrEqual(event.compacted_from_seq);
    expect(event.compacted_through_seq).toBeLessThan(event.seq);
    expect(event.tokens_after).toBeLessThan(event.tokens_before);
    expect(textOf(event.summary)).toMatch(/^SUMMARY \d+/);
    nextFrom = event.compacted_through_seq + 1;
  }
}

function expectAllResultsInFull(events: SessionEvent[], count: number): void {
  const results = events.flatMap((event) => (event.type === 'agent.tool_result' ? [textOf(event.content)] : []));
  expect(results).toEqual(Array.from({ length: count }, (_, index) => fileContent(index + 1)));
}

describe('compaction', () => {
  let harness: SessionHarness;

  beforeAll(async () => {
    harness = await startSessionHarness(scenario([]));
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('keeps a session whose tool output is over five times the window inside it, to end_turn', async () => {
    const system = 'READER: read the files.';
    harness.model.setScenario(scenario([summaryRule, ...readingRules(system, 24, 'All files read.')]));
    const before = harness.model.requests.length;
    const workspace = tempDir('lucid-compact-ws-');
    writeFiles(workspace, 24);
    const sessionId = await harness.lucid.startSession({ agent: reader(system), message: 'Read f1 to f24', workspace });
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    expect(snapshot.final_message).toBe('All files read.');
    const requests = harness.model.requests.slice(before);
    for (const request of requests) expect(countInputTokens(request.body)).toBeLessThanOrEqual(WINDOW);
    const events = await harness.store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    expectAllResultsInFull(events, 24);
    expect(24 * fileContent(1).length).toBeGreaterThan(5 * WINDOW * 4); // the output is over five windows
    const compacted = compactions(events);
    expect(compacted.length).toBeGreaterThanOrEqual(3);
    expectCompactionsInOrder(events);
    // Each summary was asked for once, and the agent's last request still carries the newest result whole.
    expect(requests.filter(isSummaryRequest)).toHaveLength(compacted.length);
    const agentRequests = requests.filter((request) => !isSummaryRequest(request));
    expect(JSON.stringify(agentRequests[agentRequests.length - 1].body)).toContain(fileContent(24));
    expect(JSON.stringify(agentRequests[agentRequests.length - 1].body)).toContain(textOf(compacted.at(-1)!.summary));
  });

  it('clears old tool results first, and compacts when what clearing cannot touch fills the window', async () => {
    const system = 'WRITER: copy notes.';
    // Each turn writes a note (its content stays in the agent's tool call, which clearing leaves alone) and reads a
    // file (a result clearing can replace).
    const note = `NOTE-{{n}} ${'notes to keep '.repeat(430)}`;
    const turn: Rule = {
      match: { system },
      times: 16,
      reply: {
        content: [
          { type: 'tool_use', name: 'write_file', input: { path: 'w{{n}}.txt', content: note } },
          { type: 'tool_use', name: 'read_file', input: { path: 'f{{n}}.txt' } },
        ],
      },
    };
    const done: Rule = { match: { system }, reply: { content: [{ type: 'text', text: 'Copied.' }] } };
    harness.model.setScenario(scenario([summaryRule, turn, done]));
    const before = harness.model.requests.length;
    const workspace = tempDir('lucid-compact-both-ws-');
    for (let n = 1; n <= 16; n++) fs.writeFileSync(path.join(workspace, `f${n}.txt`), fileContent(n).slice(0, 12_000));
    const agent = reader(system, { tools: ['read_file', 'write_file'], context_management: undefined });
    const sessionId = await harness.lucid.startSession({ agent, message: 'Copy the notes', workspace });
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    for (const request of harness.model.requests.slice(before))
      expect(countInputTokens(request.body)).toBeLessThanOrEqual(WINDOW);
    const events = await harness.store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    const firstClearing = events.find((event) => event.type === 'span.context_cleared');
    const [firstCompaction] = compactions(events);
    expect(firstClearing).toBeDefined();
    expect(firstCompaction).toBeDefined();
    expect(firstClearing!.seq).toBeLessThan(firstCompaction.seq);
    expectCompactionsInOrder(events);
    expect(fs.readFileSync(path.join(workspace, 'w16.txt'), 'utf8')).toContain('NOTE-16 ');
  });

  it('retries a failed summary call like a model call, each attempt visible as a session.error', async () => {
    const system = 'READER: read the files.';
    const overloadedOnce: Rule = { match: { system: SUMMARISER }, times: 1, reply: { error: { status: 529 } } };
    harness.model.setScenario(scenario([overloadedOnce, summaryRule, ...readingRules(system, 5, 'All five read.')]));
    const workspace = tempDir('lucid-compact-retry-ws-');
    writeFiles(workspace, 5);
    const sessionId = await harness.lucid.startSession({ agent: reader(system), message: 'Read f1-f5', workspace });
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    const events = await harness.store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    const errors = events.filter((event) => event.type === 'session.error');
    expect(errors).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({ type: 'model_overloaded_error', retry_status: { type: 'retrying' } }),
      }),
    ]);
    const [compaction] = compactions(events);
    expect(compactions(events)).toHaveLength(1);
    expect(errors[0].seq).toBeLessThan(compaction.seq);
    expectAllResultsInFull(events, 5);
  });

  it('lets a thread compact its own context, independently of its lead', async () => {
    const researcher = { ...reader('RESEARCHER: read the files.'), name: 'researcher' };
    const lead: AgentDefinition = {
      name: 'lead',
      model: 'scripted-lead',
      system: 'LEAD',
      tools: [],
      max_turns: 5,
      max_tokens: 256,
      subagents: [researcher],
    };
    const delegate = {
      type: 'tool_use' as const,
      name: 'delegate',
      input: { agent: 'researcher', task: 'Read f1-f8' },
    };
    harness.model.setScenario(
      scenario([
        summaryRule,
        ...readingRules('RESEARCHER', 8, 'Read all eight.'),
        { match: { system: 'LEAD' }, times: 1, reply: { content: [delegate] } },
        { match: { system: 'LEAD' }, reply: { content: [{ type: 'text', text: 'The researcher is done.' }] } },
      ]),
    );
    const workspace = tempDir('lucid-compact-thread-ws-');
    writeFiles(workspace, 8);
    const sessionId = await harness.lucid.startSession({ agent: lead, message: 'Have the files read', workspace });
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.final_message).toBe('The researcher is done.');
    const leadEvents = await harness.store.readEvents(sessionId);
    expect(compactions(leadEvents)).toHaveLength(0);
    expect(snapshot.threads).toHaveLength(1);
    const threadEvents = await harness.store.readEvents(snapshot.threads[0].session_id);
    expect(compactions(threadEvents).length).toBeGreaterThanOrEqual(1);
    expectCompactionsInOrder(threadEvents);
    expectAllResultsInFull(threadEvents, 8);
  });

  it('ends the session with compaction_limit_reached_error when one message is larger than the window', async () => {
    const system = 'READER: answer.';
    harness.model.setScenario(
      scenario([summaryRule, { match: { system }, reply: { content: [{ type: 'text', text: 'Noted.' }] } }]),
    );
    const sessionId = await harness.lucid.startSession({
      agent: reader(system),
      message: 'Hello',
      keep_alive_seconds: 60,
    });
    await waitFor(async () => (await harness.lucid.snapshot(sessionId))?.status === 'idle', 'the first turn');
    const firstTurn = await harness.store.readEvents(sessionId);
    await harness.lucid.sendMessage(sessionId, `Please read this: ${'x'.repeat(WINDOW * 5)}`);
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.stop_reason).toEqual({ type: 'error' });
    expect(snapshot.error).toEqual(
      expect.objectContaining({ type: 'compaction_limit_reached_error', retry_status: { type: 'terminal' } }),
    );
    const events = await harness.store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    expect(events.slice(0, firstTurn.length)).toEqual(firstTurn);
    expect(events.some((event) => event.type === 'user.message' && textOf(event.content).length > WINDOW * 5)).toBe(
      true,
    );
    expect(events.at(-1)?.type).toBe('session.status_terminated');
  });

  it('lets a dream over a compacted session see its full transcript', async () => {
    const system = 'READER: read the files.';
    harness.model.setScenario(
      scenario([
        summaryRule,
        lessonsReply('Read files one at a time.'),
        changesReply([addChange('/reading.md', 'Read files one at a time.')]),
        ...readingRules(system, 8, 'Read all eight.'),
      ]),
    );
    const workspace = tempDir('lucid-compact-dream-ws-');
    writeFiles(workspace, 8);
    const sessionId = await harness.lucid.startSession({ agent: reader(system), message: 'Read f1-f8', workspace });
    await harness.lucid.result(sessionId);
    expect(compactions(await harness.store.readEvents(sessionId)).length).toBeGreaterThanOrEqual(1);

    const before = harness.model.requests.length;
    const store = await harness.storage.memory.createStore({ name: 'compacted' });
    const dreamId = await harness.lucid.startDream({
      memory_store_id: store.id,
      sessions: { type: 'session_ids', session_ids: [sessionId] },
      model: 'dream-model',
      review: 'auto',
      output_behavior: { type: 'update_existing' },
    });
    await harness.lucid.dreamResult(dreamId);
    const reflection = harness.model.requests
      .slice(before)
      .find((request) => JSON.stringify(request.body.tools ?? []).includes('record_lessons'));
    const seen = JSON.stringify(reflection?.body);
    // The condensed log shows the task and every file read, from before the compactions too.
    expect(seen).toContain('Read f1-f8');
    for (let n = 1; n <= 8; n++) expect(seen).toContain(`FILE-${n}-START`);
    expect(seen).toContain('agent.thread_context_compacted');
  });
});

describe('compaction and a killed worker', () => {
  let temporal: TestTemporal;
  let model: ScriptedModel;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    const system = 'READER: read the files.';
    // The summary is slow: the worker is killed while it is being written, and the retry lands here too.
    model = await startScriptedModel({
      scenario: scenario([{ ...summaryRule, delay_ms: 4_000 }, ...readingRules(system, 5, 'All five read.')]),
    });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGTERM');
    await model?.close();
    await temporal?.close();
  });

  it('makes the summary once and leaves no gap or duplicate in the log', async () => {
    const dataDir = tempDir('lucid-compact-crash-');
    const workspace = tempDir('lucid-compact-crash-ws-');
    writeFiles(workspace, 5);
    const taskQueue = uniqueTaskQueue('lucid-compact-crash');
    const options = { address: temporal.address, taskQueue, dataDir, modelUrl: model.url };
    const storage = openStorage({ dataDir });
    const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });

    const first = startWorkerProcess(options);
    workers.push(first);
    await first.ready;
    const sessionId = await lucid.startSession({
      agent: reader('READER: read the files.'),
      message: 'Read f1-f5',
      workspace,
    });
    await waitFor(() => Promise.resolve(model.requests.some(isSummaryRequest)), 'the summary request');
    await first.kill('SIGKILL');
    const second = startWorkerProcess(options);
    workers.push(second);
    await second.ready;

    const snapshot = await lucid.result(sessionId);
    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    expect(snapshot.final_message).toBe('All five read.');
    const events = await storage.sessions.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    expect(compactions(events)).toHaveLength(1);
    expectCompactionsInOrder(events);
    expectAllResultsInFull(events, 5);
    expect(model.requests.filter(isSummaryRequest)).toHaveLength(2); // the one lost with the worker, and its retry
    for (const request of model.requests) expect(countInputTokens(request.body)).toBeLessThanOrEqual(WINDOW);
  });
});
