import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import { eventsQuery, interruptSignal, userMessageSignal } from '../../src/workflows/api/session-api';
import { expectWellFormedLog, startSessionHarness, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';
import { DataLayout } from '../../src/storage/layout';

const agent: AgentDefinition = {
  name: 'listener',
  model: 'scripted-small',
  system: 'Listen well.',
  tools: ['read_file', 'write_file'],
  max_turns: 10,
  max_tokens: 256,
};

async function waitForStatus(harness: SessionHarness, sessionId: string, status: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await harness.lucid.snapshot(sessionId))?.status !== status) {
    if (Date.now() > deadline) throw new Error(`session ${sessionId} never became ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every payload of a history decoded as text, to search it for what must not be there. */
function payloadTexts(history: unknown): string {
  const texts: string[] = [];
  const visit = (value: unknown): void => {
    if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(history);
  return texts.join('\n');
}

const types = (events: SessionEvent[]) => events.map((event) => event.type);

describe('talking to a running session', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
  });
  afterAll(async () => harness?.close());

  it('wakes a kept-alive idle session with a user message; the agent sees the whole conversation', async () => {
    harness.model.setScenario({
      rules: [
        { match: { last_user_text: 'first question' }, reply: { content: [{ type: 'text', text: 'first answer' }] } },
        { match: { last_user_text: 'second question' }, reply: { content: [{ type: 'text', text: 'second answer' }] } },
      ],
    });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({ agent, message: 'first question', keep_alive_seconds: 2 });
    await waitForStatus(harness, sessionId, 'idle');

    // The event log is paged through the query while the session runs.
    const page = await harness.temporal.client.workflow
      .getHandle(sessionId)
      .query(eventsQuery, { after_seq: 1, limit: 2 });
    expect(page.events.map((event) => event.seq)).toEqual([2, 3]);
    expect(page.has_more).toBe(true);

    // The signal, as the Temporal CLI sends it (LucidClient sends the update: test/workflows/session-updates.test.ts).
    await harness.temporal.client.workflow.getHandle(sessionId).signal(userMessageSignal, { text: 'second question' });
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.final_message).toBe('second answer');

    const second = harness.model.requests[before + 1].body;
    expect(second.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(JSON.stringify(second.messages)).toContain('first answer');

    const events = await harness.lucid.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    expect(types(events).filter((type) => type === 'session.status_idle')).toHaveLength(2);
    expect(types(events).filter((type) => type === 'user.message')).toHaveLength(2);
  });

  it('stops the current turn at the next safe point on interrupt', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: {},
          delay_ms: 1500,
          reply: { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'loop.txt', content: 'again' } }] },
        },
      ],
    });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({ agent, message: 'loop forever' });
    while (harness.model.requests.length === before) await new Promise((resolve) => setTimeout(resolve, 20));
    await harness.temporal.client.workflow.getHandle(sessionId).signal(interruptSignal);
    const snapshot = await harness.lucid.result(sessionId);

    expect(harness.model.requests.length - before).toBe(1);
    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    const events = await harness.store.readEvents(sessionId);
    // The tool call of the interrupted turn still gets its result, so the transcript stays valid.
    expect(types(events)).toEqual([
      'user.message',
      'session.status_running',
      'span.model_request_start',
      'user.interrupt',
      'agent.tool_use',
      'span.model_request_end',
      'agent.tool_result',
      'session.status_idle',
      'session.status_terminated',
    ]);
  });

  it('turns malformed tool calls, unknown tools and sandbox escapes into tool errors the agent sees', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: {},
          times: 1,
          reply: {
            content: [
              { type: 'tool_use', name: 'write_file', input: { path: 'x.txt' } },
              { type: 'tool_use', name: 'delete_everything', input: {} },
              { type: 'tool_use', name: 'read_file', input: { path: '../../etc/passwd' } },
              { type: 'tool_use', name: 'grep', input: { pattern: 'x' } },
            ],
          },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'I will be more careful.' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'try things' });
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    const results = (await harness.store.readEvents(sessionId)).filter((event) => event.type === 'agent.tool_result');
    expect(results).toHaveLength(4);
    for (const result of results) expect(result.type === 'agent.tool_result' && result.is_error).toBe(true);
    const texts = results.map((result) => (result.type === 'agent.tool_result' ? result.content[0].text : ''));
    expect(texts[0]).toMatch(/content/);
    expect(texts[1]).toMatch(/not available to this agent/);
    expect(texts[2]).toMatch(/outside the workspace|workspace/);
    expect(texts[3]).toMatch(/not available to this agent/); // grep is not in this agent's tool list
  });

  it('redacts secrets from tool output before they reach the event log', async () => {
    const workspace = tempDir('lucid-secret-');
    const secret = 'sk-ant-api03-' + 'a1B2c3D4e5F6g7H8i9J0'.repeat(3);
    fs.writeFileSync(path.join(workspace, '.env'), `ANTHROPIC_API_KEY=${secret}\n`);
    harness.model.setScenario({
      rules: [
        { match: {}, times: 1, reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: '.env' } }] } },
        { match: {}, reply: { content: [{ type: 'text', text: 'Found a key.' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'read the env file', workspace });
    await harness.lucid.result(sessionId);
    const eventsDir = new DataLayout(harness.dataDir).eventsDir(sessionId); // the files themselves, as at rest
    const stored = fs
      .readdirSync(eventsDir)
      .map((name) => fs.readFileSync(path.join(eventsDir, name), 'utf8'))
      .join('\n');
    expect(stored).toContain('ANTHROPIC_API_KEY=[REDACTED]');
    expect(stored).not.toContain(secret);
    const historyText = payloadTexts(await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory());
    expect(historyText).toContain('ANTHROPIC_API_KEY=[REDACTED]');
    expect(historyText).not.toContain(secret);
  });

  it('ends the turn with max_turns_reached when the agent keeps going', async () => {
    harness.model.setScenario({
      rules: [
        { match: {}, reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'missing.txt' } }] } },
      ],
    });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({ agent: { ...agent, max_turns: 2 }, message: 'go on and on' });
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot).toMatchObject({ stop_reason: { type: 'max_turns_reached' }, turns: 2 });
    expect(harness.model.requests.length - before).toBe(2);
  });
});
