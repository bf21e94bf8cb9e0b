/**
 * events.list / events.stream and the thread routes through the official SDK and raw requests, over event logs
 * written into a real data directory as a worker writes them (the worker-driven path is in events-session.test.ts).
 */
import Anthropic from '@anthropic-ai/sdk';
import type { SessionEvent, SessionEventBody } from '../../src/domain/events';
import { eventId } from '../../src/domain/ids';
import { threadSessionId } from '../../src/domain/threads';
import { FsSessionStore } from '../../src/storage/fs-session-store';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { text, usage } from '../helpers/event-bodies';
import { tempDir } from '../helpers/temporal';
import { waitFor } from '../helpers/wait-for';

let server: TestApiServer;
let client: Anthropic;
let store: FsSessionStore;

const sessionId = 'sesn_EventsTest1';
const threadId = 'sthr_Thread1';
const base = Date.parse('2026-03-01T10:00:00.000Z');

beforeEach(async () => {
  server = await startTestApiServer({ streamHeartbeatMs: 100 });
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
  store = new FsSessionStore(server.dataDir);
});

afterEach(() => server.close());

/** Events `from..` of a log, one second apart. */
function events(logId: string, from: number, bodies: SessionEventBody[]): SessionEvent[] {
  return bodies.map((body, index) => {
    const seq = from + index;
    return { id: eventId(logId, seq), seq, processed_at: new Date(base + seq * 1000).toISOString(), ...body };
  }) as SessionEvent[];
}

const turn: SessionEventBody[] = [
  { type: 'user.message', content: text('Read a') },
  { type: 'session.status_running' },
  { type: 'span.model_request_start', model: 'scripted' },
  { type: 'agent.tool_use', tool_use_id: 'toolu_A', name: 'read_file', input: { path: 'a' } },
  {
    type: 'span.model_request_end',
    model_request_start_id: eventId(sessionId, 3),
    is_error: false,
    model_usage: usage,
  },
  { type: 'agent.tool_result', tool_use_id: 'toolu_A', content: text('alpha'), is_error: false },
  { type: 'agent.message', content: text('It says alpha.') },
  { type: 'session.status_idle', stop_reason: { type: 'end_turn' }, stop_details: null },
];

async function all<T>(page: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of page) items.push(item);
  return items;
}

describe('events.list', () => {
  beforeEach(() => store.appendEvents(sessionId, events(sessionId, 1, turn)));

  it('pages through the log oldest first, every event once, in the API shape', async () => {
    const listed = await all(client.beta.sessions.events.list(sessionId, { limit: 3 }));
    expect(listed.map((event) => event.type)).toEqual(turn.map((body) => body.type));
    expect(listed.map((event) => event.id)).toEqual(turn.map((_, index) => `sevt_EventsTest1_${index + 1}`));
    const use = listed.find((event) => event.type === 'agent.tool_use')!;
    expect(listed.find((event) => event.type === 'agent.tool_result')).toMatchObject({ tool_use_id: use.id });
    const first = await client.beta.sessions.events.list(sessionId, { limit: 3 });
    expect(first.data).toHaveLength(3);
    expect(first.next_page).toEqual(expect.any(String));
  });

  it('lists newest first with order=desc, across pages', async () => {
    const listed = await all(client.beta.sessions.events.list(sessionId, { order: 'desc', limit: 2 }));
    expect(listed.map((event) => event.type)).toEqual(turn.map((body) => body.type).reverse());
  });

  it('filters by types[] and by every created_at bound, against processed_at', async () => {
    const types = await all(
      client.beta.sessions.events.list(sessionId, { types: ['agent.message', 'session.status_idle'] }),
    );
    expect(types.map((event) => event.type)).toEqual(['agent.message', 'session.status_idle']);
    const one = await all(client.beta.sessions.events.list(sessionId, { types: ['user.message'] }));
    expect(one.map((event) => event.type)).toEqual(['user.message']);

    const at = (seq: number) => new Date(base + seq * 1000).toISOString();
    const seqs = async (params: object) =>
      (await all(client.beta.sessions.events.list(sessionId, params))).map((event) => Number(event.id.split('_')[2]));
    expect(await seqs({ 'created_at[gt]': at(6) })).toEqual([7, 8]);
    expect(await seqs({ 'created_at[gte]': at(6) })).toEqual([6, 7, 8]);
    expect(await seqs({ 'created_at[lt]': at(3) })).toEqual([1, 2]);
    expect(await seqs({ 'created_at[lte]': at(3) })).toEqual([1, 2, 3]);
    expect(await seqs({ 'created_at[gte]': at(2), 'created_at[lt]': at(5), order: 'desc' })).toEqual([4, 3, 2]);
    expect(await seqs({ 'created_at[gt]': at(8) })).toEqual([]);
  });

  it('answers 404 for an unknown session and 400 for malformed ids, filters and cursors', async () => {
    await expect(client.beta.sessions.events.list('sesn_NoSuchSession')).rejects.toMatchObject({
      status: 404,
      error: { type: 'error', error: { type: 'not_found_error' } },
    });
    const bad = [
      () => client.beta.sessions.events.list('not-a-session'),
      () => client.beta.sessions.events.list('sesn_has/slash'),
      () => client.beta.sessions.events.list(sessionId, { types: ['agent.nonsense' as 'agent.message'] }),
      () => client.beta.sessions.events.list(sessionId, { order: 'sideways' as 'asc' }),
      () => client.beta.sessions.events.list(sessionId, { 'created_at[gt]': 'yesterday' }),
      () => client.beta.sessions.events.list(sessionId, { limit: 0 }),
      () => client.beta.sessions.events.list(sessionId, { page: 'not-a-cursor' }),
      () => client.beta.sessions.events.list(sessionId, { after_seq: 3 } as object),
    ];
    for (const request of bad) {
      await expect(request()).rejects.toMatchObject({
        status: 400,
        error: { error: { type: 'invalid_request_error' } },
      });
    }
  });
});

describe('events.stream', () => {
  /** The next `count` events of an SDK stream. */
  async function take(stream: AsyncIterable<{ type: string; id?: string }>, count: number) {
    const seen: Array<{ type: string; id?: string }> = [];
    for await (const event of stream) {
      seen.push(event);
      if (seen.length === count) break;
    }
    return seen;
  }

  it('replays the log when asked, then delivers events as the log grows, until the session terminates', async () => {
    await store.appendEvents(sessionId, events(sessionId, 1, turn.slice(0, 3)));
    const stream = await client.beta.sessions.events.stream(sessionId, {}, { query: { replay: 'true' } });
    const reading = take(stream, turn.length + 1);
    await store.appendEvents(sessionId, events(sessionId, 4, turn.slice(3)));
    await store.appendEvents(sessionId, events(sessionId, turn.length + 1, [{ type: 'session.status_terminated' }]));
    const seen = await reading;
    expect(seen.map((event) => event.type)).toEqual([...turn.map((body) => body.type), 'session.status_terminated']);
  });

  it('starts from now by default, and a client reconnecting with its cursor misses nothing and sees nothing twice', async () => {
    await store.appendEvents(sessionId, events(sessionId, 1, turn.slice(0, 2)));
    const live = await client.beta.sessions.events.stream(sessionId);
    const firstRead = take(live, 2);
    // Out of order within a batch, as parallel writes may land: the stream still hands them out in seq order.
    await store.appendEvents(sessionId, events(sessionId, 3, turn.slice(2, 4)).reverse());
    const first = await firstRead; // the `break` closes the connection
    expect(first.map((event) => event.type)).toEqual(turn.slice(2, 4).map((body) => body.type));

    await store.appendEvents(sessionId, events(sessionId, 5, turn.slice(4, 6)));
    const resumed = await client.beta.sessions.events.stream(
      sessionId,
      {},
      {
        headers: { 'Last-Event-ID': first[first.length - 1].id! },
      },
    );
    const rest = take(resumed, turn.length - 4);
    await store.appendEvents(sessionId, events(sessionId, 7, turn.slice(6)));
    const all = [...first, ...(await rest)];
    expect(all.map((event) => event.id)).toEqual(turn.slice(2).map((_, index) => `sevt_EventsTest1_${index + 3}`));
  });

  it('frames events as SSE with flushed headers, ids and pings, and refuses bad cursors before streaming', async () => {
    await store.appendEvents(sessionId, events(sessionId, 1, turn.slice(0, 2)));
    const controller = new AbortController();
    const response = await fetch(
      `${server.baseURL}/v1/sessions/${sessionId}/events/stream?last_event_id=sevt_EventsTest1_1`,
      {
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
        signal: controller.signal,
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const reader = response.body!.getReader();
    let received = '';
    while (!received.includes('event: ping')) received += new TextDecoder().decode((await reader.read()).value);
    const [frame] = received.split('\n\n');
    expect(frame.split('\n')).toEqual([
      'id: sevt_EventsTest1_2',
      'event: session.status_running',
      `data: ${JSON.stringify({ id: 'sevt_EventsTest1_2', processed_at: new Date(base + 2000).toISOString(), type: 'session.status_running' })}`,
    ]);
    expect(received).toContain('event: ping\ndata: {"type":"ping"}\n\n');
    controller.abort();
    await waitFor(
      () => new Promise<boolean>((resolve) => server.app.server.getConnections((_, count) => resolve(count === 0))),
      'the server to drop the closed stream',
    );

    const refused = async (path: string, headers: Record<string, string> = {}) => {
      const answer = await fetch(`${server.baseURL}${path}`, {
        headers: { authorization: `Bearer ${TEST_API_KEY}`, ...headers },
      });
      return { status: answer.status, type: answer.headers.get('content-type'), body: await answer.json() };
    };
    const stream = `/v1/sessions/${sessionId}/events/stream`;
    for (const attempt of [
      await refused(stream, { 'last-event-id': 'sevt_Other_1' }),
      await refused(`${stream}?last_event_id=garbage`),
      await refused(`${stream}?unknown=1`),
      await refused(`${stream}?event_deltas[]=agent.nonsense`),
    ]) {
      expect(attempt).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error' } } });
      expect(attempt.type).toContain('application/json');
    }
    expect(await refused('/v1/sessions/sesn_Missing1/events/stream')).toMatchObject({ status: 404 });
    expect(await refused('/v1/sessions/sesn_Missing1/events/stream', { authorization: 'Bearer wrong' })).toMatchObject({
      status: 401,
    });
  });

  it('a client reconnecting with its cursor to a restarted server misses nothing and sees nothing twice', async () => {
    const dataDir = tempDir('lucid-events-restart-');
    const storeHere = new FsSessionStore(dataDir);
    await storeHere.appendEvents(sessionId, events(sessionId, 1, turn.slice(0, 3)));
    const before = await startTestApiServer({ dataDir });
    const first = new Anthropic({ baseURL: before.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
    const seen = await take(await first.beta.sessions.events.stream(sessionId, {}, { query: { replay: 'true' } }), 3);
    await before.close();

    await storeHere.appendEvents(sessionId, events(sessionId, 4, turn.slice(3)));
    const after = await startTestApiServer({ dataDir });
    try {
      const second = new Anthropic({ baseURL: after.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
      const resumed = await second.beta.sessions.events.stream(
        sessionId,
        {},
        {
          headers: { 'Last-Event-ID': seen[seen.length - 1].id! },
        },
      );
      seen.push(...(await take(resumed, turn.length - 3)));
      expect(seen.map((event) => event.id)).toEqual(turn.map((_, index) => `sevt_EventsTest1_${index + 1}`));
    } finally {
      await after.close();
    }
  });

  it('ends at once for a client whose cursor is past the end of a terminated session', async () => {
    await store.appendEvents(sessionId, events(sessionId, 1, [...turn, { type: 'session.status_terminated' }]));
    const stream = await client.beta.sessions.events.stream(
      sessionId,
      {},
      {
        headers: { 'Last-Event-ID': `sevt_EventsTest1_${turn.length + 1}` },
      },
    );
    expect(await take(stream, 1)).toEqual([]);
  });
});

describe('threads', () => {
  const threadLog = threadSessionId(sessionId, threadId);
  const threadTurn: SessionEventBody[] = [
    { type: 'user.message', content: text('Find b') },
    { type: 'agent.tool_use', tool_use_id: 'toolu_T', name: 'grep', input: { pattern: 'b' } },
    { type: 'agent.tool_result', tool_use_id: 'toolu_T', content: text('b.txt'), is_error: false },
    { type: 'agent.message', content: text('In b.txt') },
    { type: 'session.status_idle', stop_reason: { type: 'end_turn' }, stop_details: null },
  ];

  beforeEach(async () => {
    const who = { session_thread_id: threadId, agent_name: 'finder' };
    await store.appendEvents(
      sessionId,
      events(sessionId, 1, [
        { type: 'user.message', content: text('Delegate') },
        { type: 'session.thread_created', ...who, workflow_run_id: 'run-1' },
        { type: 'session.thread_status_running', ...who },
        { type: 'session.thread_status_idle', ...who, stop_reason: { type: 'end_turn' }, stop_details: null },
      ]),
    );
    const tagged = events(threadLog, 1, threadTurn).map((event) => ({ ...event, session_thread_id: threadId }));
    await store.appendEvents(threadLog, tagged);
  });

  it('lists, retrieves and filters threads by status; archive is refused as not supported', async () => {
    const threads = await all(client.beta.sessions.threads.list(sessionId));
    expect(threads).toEqual([
      expect.objectContaining({
        type: 'session_thread',
        id: threadId,
        session_id: sessionId,
        status: 'idle',
        agent: expect.objectContaining({ name: 'finder' }),
        archived_at: null,
      }),
    ]);
    expect(await client.beta.sessions.threads.retrieve(threadId, { session_id: sessionId })).toEqual(threads[0]);
    expect(await all(client.beta.sessions.threads.list(sessionId, { statuses: ['running'] }))).toEqual([]);
    await expect(client.beta.sessions.threads.retrieve('sthr_Nope1', { session_id: sessionId })).rejects.toMatchObject({
      status: 404,
    });
    await expect(client.beta.sessions.threads.retrieve('sthr_a/b', { session_id: sessionId })).rejects.toMatchObject({
      status: 400,
    });
    await expect(client.beta.sessions.threads.archive(threadId, { session_id: sessionId })).rejects.toMatchObject({
      status: 400,
    });
  });

  it("lists and streams a thread's own events under ids that are single path segments", async () => {
    const listed = await all(client.beta.sessions.threads.events.list(threadId, { session_id: sessionId, limit: 2 }));
    expect(listed.map((event) => event.type)).toEqual(threadTurn.map((body) => body.type));
    for (const event of listed) {
      expect(event.id).toMatch(/^sevt_EventsTest1_sthr_Thread1_\d+$/);
      expect(event).not.toHaveProperty('session_thread_id');
    }
    expect(listed[2]).toMatchObject({ tool_use_id: listed[1].id });

    const stream = await client.beta.sessions.threads.events.stream(
      threadId,
      { session_id: sessionId },
      { headers: { 'Last-Event-ID': listed[2].id } },
    );
    const seen: string[] = [];
    for await (const event of stream) {
      seen.push('id' in event ? event.id : event.type);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([listed[3].id, listed[4].id]);
  });
});
