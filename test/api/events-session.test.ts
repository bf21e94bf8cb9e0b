/**
 * The event routes over sessions a real worker runs (real Temporal dev server, scripted model), driven by the
 * official SDK: a stream read until the session is idle matches events.list; a client that disconnects and
 * reconnects with its cursor misses nothing and sees nothing twice; a stream keeps delivering across a worker
 * SIGKILL, since it tails the log on disk, not the worker.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { LucidClient } from '../../src/client';
import { eventId } from '../../src/domain/ids';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';
import { openStorage } from '../../src/storage/open-storage';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { connectTestTemporal, tempDir, uniqueTaskQueue, type TestTemporal } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

type StreamEvent = { type: string; id?: string } & Record<string, unknown>;

const agent: AgentDefinition = {
  name: 'events-reader',
  model: 'scripted-small',
  system: 'You read files.',
  tools: ['read_file', 'write_file'],
  max_turns: 10,
  max_tokens: 256,
};

/** Reads `stream` until an event satisfies `last` (included); the `break` closes the connection. */
async function readUntil(stream: AsyncIterable<object>, last: (event: StreamEvent) => boolean) {
  const seen: StreamEvent[] = [];
  for await (const item of stream) {
    const event = item as StreamEvent;
    seen.push(event);
    if (last(event)) break;
  }
  return seen;
}

const LONG_STORY = Array.from({ length: 30 }, (_, index) => `Line ${index} of the story.`).join(' ');

const isIdle = (event: StreamEvent) => event.type === 'session.status_idle';

async function all<T>(page: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of page) items.push(item);
  return items;
}

describe('a session run by an in-process worker', () => {
  let harness: SessionHarness;
  let server: TestApiServer;
  let client: Anthropic;

  beforeAll(async () => {
    harness = await startSessionHarness({
      rules: [
        {
          match: { last_user_text: 'Write the note' },
          times: 1,
          reply: { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'note.md', content: 'alpha' } }] },
        },
        {
          match: { last_tool_result: 'note.md' },
          times: 1,
          reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'note.md' } }] },
        },
        {
          match: { last_tool_result: 'alpha' },
          times: 1,
          reply: { content: [{ type: 'text', text: 'It says alpha.' }] },
        },
        { match: { last_user_text: 'Anything else?' }, reply: { content: [{ type: 'text', text: 'No.' }] } },
        // Spread over 3 s: the previews arrive while the model writes, long before the final event is stored.
        {
          match: { last_user_text: 'Tell a long story' },
          delay_ms: 3000,
          reply: { content: [{ type: 'text', text: LONG_STORY }] },
        },
      ],
    });
    server = await startTestApiServer({ dataDir: harness.dataDir, lucid: harness.lucid });
    client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY });
  });

  afterAll(async () => {
    await server?.close();
    await harness?.close();
  });

  it('streams a turn until idle, as events.list has it, with tool results naming their tool_use events', async () => {
    const sessionId = await harness.lucid.startSession({ agent, message: 'Write the note', keep_alive_seconds: 60 });
    const stream = await client.beta.sessions.events.stream(sessionId, {}, { query: { replay: 'true' } });
    const streamed = await readUntil(stream, isIdle);

    expect(streamed.map((event) => event.type)).toEqual([
      'user.message',
      'session.status_running',
      'span.model_request_start',
      'agent.tool_use',
      'span.model_request_end',
      'agent.tool_result',
      'span.model_request_start',
      'agent.tool_use',
      'span.model_request_end',
      'agent.tool_result',
      'span.model_request_start',
      'agent.message',
      'span.model_request_end',
      'session.status_idle',
    ]);
    const uses = streamed.filter((event) => event.type === 'agent.tool_use');
    const results = streamed.filter((event) => event.type === 'agent.tool_result');
    expect(results.map((event) => event.tool_use_id)).toEqual(uses.map((event) => event.id));

    const listed = await all(client.beta.sessions.events.list(sessionId, { limit: 5 }));
    expect(listed).toEqual(streamed);

    // Disconnected (the `break` above): a follow-up happens while no one listens.
    await harness.lucid.sendMessage(sessionId, 'Anything else?');
    const resumed = await client.beta.sessions.events.stream(
      sessionId,
      {},
      {
        headers: { 'Last-Event-ID': streamed[streamed.length - 1].id! },
      },
    );
    const next = await readUntil(resumed, isIdle);
    expect(next[0]).toMatchObject({ type: 'user.message', content: [{ type: 'text', text: 'Anything else?' }] });
    expect(next[next.length - 1].type).toBe('session.status_idle');
    const both = [...streamed, ...next];
    expect(new Set(both.map((event) => event.id)).size).toBe(both.length);
    expect(await all(client.beta.sessions.events.list(sessionId, { limit: 1000 }))).toEqual(both);
  });

  it('with event_deltas, previews an agent message while the model writes it, outside the event log', async () => {
    const sessionId = await harness.lucid.startSession({ agent, message: 'Tell a long story' });
    // The SDK's own option, as it sends it; the cursor of the point before the first event replays the whole turn
    // (an options.query would replace the SDK's query, event_deltas with it).
    const stream = await client.beta.sessions.events.stream(
      sessionId,
      { event_deltas: ['agent.message'] },
      { headers: { 'Last-Event-ID': eventId(sessionId, 0) } },
    );
    const seen = await readUntil(stream, isIdle);

    const message = seen.find((event) => event.type === 'agent.message')!;
    expect(message.content).toEqual([{ type: 'text', text: LONG_STORY }]);
    const start = seen.findIndex((event) => event.type === 'event_start');
    expect(seen[start]).toEqual({ type: 'event_start', event: { id: message.id, type: 'agent.message' } });
    expect(start).toBeLessThan(seen.indexOf(message));
    const deltas = seen.filter((event) => event.type === 'event_delta');
    expect(deltas.every((event) => event.event_id === message.id)).toBe(true);
    expect(seen.indexOf(deltas[0])).toBeLessThan(seen.indexOf(message));
    const previewed = deltas.map((event) => (event.delta as { content: { text: string } }).content.text).join('');
    expect(previewed).toBe(LONG_STORY);

    const listed = await all(client.beta.sessions.events.list(sessionId, { limit: 1000 }));
    expect(listed.map((event) => event.type)).not.toContain('event_start');
    expect(listed).toEqual(seen.filter((event) => !event.type.startsWith('event_')));
  });
});

describe('a stream across a worker SIGKILL', () => {
  let temporal: TestTemporal;
  let model: ScriptedModel;
  let server: TestApiServer;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    model = await startScriptedModel({
      scenario: {
        rules: [
          {
            match: {},
            times: 1,
            reply: { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'a.md', content: 'a' } }] },
          },
          // Slow: the worker is killed while this request is in flight; the retry on the next worker lands here too.
          {
            match: {},
            times: 2,
            delay_ms: 4000,
            reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'a.md' } }] },
          },
          { match: {}, reply: { content: [{ type: 'text', text: 'Done.' }] } },
        ],
      },
    });
  });

  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGTERM');
    await server?.close();
    await model?.close();
    await temporal?.close();
  });

  it('keeps delivering, gap-free and without duplicates, while a new worker finishes the turn', async () => {
    const dataDir = tempDir('lucid-events-crash-');
    const taskQueue = uniqueTaskQueue('lucid-events-crash');
    const options = { address: temporal.address, taskQueue, dataDir, modelUrl: model.url };
    const lucid = new LucidClient({ client: temporal.client, taskQueue, storage: openStorage({ dataDir }) });
    server = await startTestApiServer({ dataDir, lucid });
    const client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY });

    const first = startWorkerProcess(options);
    workers.push(first);
    await first.ready;
    const sessionId = await lucid.startSession({ agent, message: 'Write and read' });
    const stream = await client.beta.sessions.events.stream(sessionId, {}, { query: { replay: 'true' } });

    let killed = false;
    const seen = await readUntil(stream, (event) => {
      // The first tool result is stored and the slow second request is on its way: kill the worker under it.
      if (event.type === 'agent.tool_result' && !killed) {
        killed = true;
        void (async () => {
          while (model.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
          await first.kill('SIGKILL');
          const second = startWorkerProcess(options);
          workers.push(second);
        })();
      }
      return event.type === 'session.status_terminated';
    });

    expect(killed).toBe(true);
    expect(seen.filter((event) => event.type === 'agent.tool_result')).toHaveLength(2);
    expect(seen.slice(-4).map((event) => event.type)).toEqual([
      'agent.message',
      'span.model_request_end',
      'session.status_idle',
      'session.status_terminated',
    ]);
    expect(new Set(seen.map((event) => event.id)).size).toBe(seen.length);
    expect(await all(client.beta.sessions.events.list(sessionId, { limit: 1000 }))).toEqual(seen);
    expect(model.requests.length).toBeGreaterThanOrEqual(4); // the request lost with the worker was sent again
  });
});
