/**
 * What a turn adds to workflow history (patches prompt-by-reference and tool-results-persisted-once), read from
 * the real dev server's histories: a 20 kB memory block is in a run's history once, not once per model call; a
 * tool output is there once (the tool activity's result), while the event log, the `events` query and the model
 * still get it whole; a run continued from a state finds its prompt too.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SessionEvent } from '../../src/domain/events';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { eventsQuery } from '../../src/workflows/api/session-api';
import { occurrencesInHistory } from '../helpers/history-payloads';
import { expectWellFormedLog, startSessionHarness, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';

const MEMORY_MARKER = 'MEMORY-BLOCK-MARKER';
const MEMORY_BYTES = 20 * 1024;
const TURNS = 3;
const outputMarker = (n: number) => `TOOL-OUTPUT-MARKER-${n}`;

const agent: AgentDefinition = {
  name: 'lean-reader',
  model: 'scripted-small',
  system: 'AGENT-PROMPT-MARKER: read the files.',
  tools: ['read_file'],
  max_turns: TURNS + 2,
  max_tokens: 256,
};

async function historyOf(harness: SessionHarness, sessionId: string) {
  return (await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory()).events ?? [];
}

async function waitUntilIdle(harness: SessionHarness, sessionId: string): Promise<void> {
  for (;;) {
    const snapshot = await harness.lucid.snapshot(sessionId);
    if (snapshot?.status === 'idle') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('smaller workflow histories', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
  });
  afterAll(async () => harness?.close());

  it('holds a 20 kB memory block and each tool output once, while log, query and model see them whole', async () => {
    const store = await harness.storage.memory.createStore({ name: 'big notes' });
    const filler = 'A note worth keeping in mind on every turn.\n';
    // The marker is not on the first line, which the prompt's index of the store repeats.
    const content = `${filler}${MEMORY_MARKER}\n${filler.repeat(Math.ceil(MEMORY_BYTES / filler.length))}`.slice(
      0,
      MEMORY_BYTES,
    );
    await harness.storage.memory.writeMemory(
      store.id,
      { path: '/notes.md', content },
      { type: 'user_actor', user_id: 'ana' },
    );
    const workspace = tempDir('lucid-lean-');
    const outputs = Array.from({ length: TURNS }, (_, index) => {
      const text = `${outputMarker(index + 1)}\n${'lorem ipsum dolor sit amet\n'.repeat(200)}`;
      fs.writeFileSync(path.join(workspace, `file-${index + 1}.txt`), text);
      return text;
    });
    harness.model.setScenario({
      rules: [
        {
          match: {},
          times: TURNS,
          reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'file-{{n}}.txt' } }] },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Read them all.' }] } },
      ],
    });
    const requestsBefore = harness.model.requests.length;

    const sessionId = await harness.lucid.startSession({
      agent,
      message: 'Read the files.',
      workspace,
      keep_alive_seconds: 60,
      memory_stores: [{ memory_store_id: store.id, access: 'read_only' }],
      memory_budget_chars: MEMORY_BYTES + 2_000,
    });
    await waitUntilIdle(harness, sessionId);

    // The model got the whole prompt on every request, memory block included.
    const requests = harness.model.requests.slice(requestsBefore);
    expect(requests).toHaveLength(TURNS + 1);
    for (const request of requests) expect(JSON.stringify(request.body.system)).toContain(MEMORY_MARKER);

    // The log holds every tool output in full; the workflow's own copy (the `events` query) is the same log.
    const stored = await harness.store.readEvents(sessionId);
    const results = stored.filter((event) => event.type === 'agent.tool_result');
    expect(results.map((event) => event.content)).toEqual(outputs.map((text) => [{ type: 'text', text }]));
    const page = await harness.temporal.client.workflow
      .getHandle(sessionId)
      .query(eventsQuery, { after_seq: 0, limit: 1000 });
    expect(page.events).toEqual(stored);
    expectWellFormedLog(stored, stored.length);
    // …and the last request's transcript carried them whole.
    const lastMessages = JSON.stringify(requests[requests.length - 1].body.messages);
    for (let n = 1; n <= TURNS; n++) expect(lastMessages).toContain(outputMarker(n));

    // History: the memory block once (the memory read at start), the agent prompt once (the workflow input),
    // each tool output once (its tool activity's result).
    const history = await historyOf(harness, sessionId);
    expect(occurrencesInHistory(history, MEMORY_MARKER)).toBe(1);
    expect(occurrencesInHistory(history, 'AGENT-PROMPT-MARKER')).toBe(1);
    for (let n = 1; n <= TURNS; n++) expect(occurrencesInHistory(history, outputMarker(n))).toBe(1);

    await harness.temporal.client.workflow.getHandle(sessionId).terminate('test done');
  });

  it('finds the prompt of a run continued from a state, which holds the prompt once', async () => {
    const sessionId = `continued-prompt-${Date.now()}`;
    const fixtures = path.join(__dirname, '..', 'fixtures', 'continued-session');
    const earlier = JSON.parse(fs.readFileSync(path.join(fixtures, 'v1-events.json'), 'utf8')) as SessionEvent[];
    await harness.store.appendEvents(sessionId, earlier);
    const { continued } = JSON.parse(fs.readFileSync(path.join(fixtures, 'v1.json'), 'utf8')) as {
      continued: Record<string, unknown>;
    };
    const memoryPrompt = `${MEMORY_MARKER}: notes carried over continue-as-new.`;
    Object.assign(continued, {
      sessionId,
      workspace: tempDir('lucid-continued-prompt-'),
      memory: { prompt: memoryPrompt, stores: [] },
    });
    harness.model.setScenario({
      rules: [
        {
          match: {},
          times: 1,
          reply: { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'n.md', content: 'n' } }] },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Done.' }] } },
      ],
    });
    const requestsBefore = harness.model.requests.length;

    const handle = await harness.temporal.client.workflow.start('agentSession', {
      args: [{ continued }],
      taskQueue: harness.taskQueue,
      workflowId: sessionId,
    });
    const snapshot = await harness.lucid.result(handle.workflowId);

    expect(snapshot).toMatchObject({ stop_reason: { type: 'end_turn' }, final_message: 'Done.' });
    const requests = harness.model.requests.slice(requestsBefore);
    expect(requests).toHaveLength(2);
    for (const request of requests) expect(JSON.stringify(request.body.system)).toContain(memoryPrompt);
    expect(occurrencesInHistory(await historyOf(harness, sessionId), MEMORY_MARKER)).toBe(1);
    expectWellFormedLog(await harness.store.readEvents(sessionId), snapshot.event_count);
  });
});
