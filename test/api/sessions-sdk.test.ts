/**
 * Sessions driven by the official SDK, unchanged, against a real server, a real worker on the run's dev server and
 * the scripted model: create (idle) → send → idle → list both ways → update → archive → delete; initial events;
 * a pinned agent version; bad input that changes nothing; and sessions shared with Temporal and LucidClient.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsSession } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startSessionHarness, startWithTemporalCli, type SessionHarness } from '../helpers/session';
import { waitFor } from '../helpers/wait-for';
import { MEMORY_TOOL_NAME } from '../../src/memory/attachments';

let harness: SessionHarness;
let server: TestApiServer;
let client: Anthropic;
/** The environment every session here runs in (an existing one: sessions are refused an unknown environment). */
let environmentId: string;

beforeAll(async () => {
  harness = await startSessionHarness({
    rules: [
      {
        match: { last_user_text: 'remember', tools_include: MEMORY_TOOL_NAME },
        reply: { content: [{ type: 'text', text: 'I have a memory store.' }] },
      },
      { match: { last_user_text: 'slowly' }, delay_ms: 1_500, reply: { content: [{ type: 'text', text: 'Done.' }] } },
      {
        match: { last_user_text: 'expensive' },
        reply: {
          content: [{ type: 'tool_use', name: 'read_file', input: { path: 'notes.md' } }],
          usage: {
            input_tokens: 1_000_000,
            output_tokens: 0,
            cache_read_input_tokens: 0,
            cache_creation_input_tokens: 0,
          },
        },
      },
      { match: {}, reply: { content: [{ type: 'text', text: 'Noted.' }] } },
    ],
  });
  server = await startTestApiServer({ lucid: harness.lucid });
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
  environmentId = (await client.beta.environments.create({ name: 'local' })).id;
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

async function newAgent(name = 'scribe') {
  return client.beta.agents.create({ name, model: 'scripted-small', system: 'You keep tidy notes.' });
}

async function untilIdle(sessionId: string): Promise<BetaManagedAgentsSession> {
  let session: BetaManagedAgentsSession | undefined;
  await waitFor(async () => {
    session = await client.beta.sessions.retrieve(sessionId);
    return session.status === 'idle';
  }, `session ${sessionId} to be idle`);
  return session!;
}

async function agentReplies(sessionId: string): Promise<string[]> {
  const events = await harness.lucid.readEvents(sessionId);
  return events.flatMap((event) => (event.type === 'agent.message' ? [event.content[0].text] : []));
}

test('a session starts idle, works a message, goes idle, is listed, updated, archived and deleted', async () => {
  const agent = await newAgent();
  const session = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: environmentId,
    title: 'Launch notes',
    metadata: { ticket: 'OPS-1' },
  });
  expect(session).toMatchObject({
    type: 'session',
    status: 'idle',
    environment_id: environmentId,
    title: 'Launch notes',
    metadata: { ticket: 'OPS-1' },
    agent: { type: 'agent', id: agent.id, version: 1, name: 'scribe', model: { id: 'scripted-small' } },
    archived_at: null,
    budget: null,
    outcome_evaluations: [],
    usage: { input_tokens: 0, output_tokens: 0 },
  });
  expect(session.id).toMatch(/^sesn_/);
  expect(await harness.lucid.readEvents(session.id)).toEqual([]); // idle and waiting: nothing happened

  const sent = await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'Write a note' }] }],
  });
  expect(sent.data).toEqual([expect.objectContaining({ type: 'user.message', id: expect.stringMatching(/^sevt_/) })]);
  const idle = await untilIdle(session.id);
  expect(await agentReplies(session.id)).toEqual(['Noted.']);
  const reported = (await harness.lucid.readEvents(session.id)).flatMap((event) =>
    event.type === 'span.model_request_end' ? [event.model_usage] : [],
  );
  expect(reported).toHaveLength(1);
  expect(idle.usage).toMatchObject({
    input_tokens: reported[0].input_tokens,
    output_tokens: reported[0].output_tokens,
    cache_read_input_tokens: reported[0].cache_read_input_tokens,
    cache_creation: { ephemeral_5m_input_tokens: reported[0].cache_creation_input_tokens },
  });
  expect(idle.usage.output_tokens).toBeGreaterThan(0);

  // Waiting idle is a wait without a timer: nothing in history ticks while the session waits.
  const history = await harness.temporal.client.workflow.getHandle(session.id).fetchHistory();
  expect(history.events?.some((event) => event.timerStartedEventAttributes)).toBe(false);

  const updated = await client.beta.sessions.update(session.id, {
    title: 'Launch notes, final',
    metadata: { ticket: null, owner: 'ops' },
  });
  expect(updated).toMatchObject({ title: 'Launch notes, final', metadata: { owner: 'ops' }, status: 'idle' });
  expect(await client.beta.sessions.retrieve(session.id)).toMatchObject({ title: 'Launch notes, final' });

  const archived = await client.beta.sessions.archive(session.id);
  expect(archived.archived_at).not.toBeNull();
  expect(archived.status).toBe('terminated'); // its workflow ended gracefully
  await expect(harness.lucid.result(session.id)).resolves.toMatchObject({ status: 'terminated' });
  const eventCount = (await harness.lucid.readEvents(session.id)).length;
  const late = client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'Too late' }] }],
  });
  await expect(late).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  await expect(late).rejects.toMatchObject({ error: { error: { message: expect.stringMatching(/archived/) } } });
  expect(await harness.lucid.readEvents(session.id)).toHaveLength(eventCount);
  expect(await client.beta.sessions.retrieve(session.id)).toMatchObject({ archived_at: archived.archived_at });

  expect(await client.beta.sessions.delete(session.id)).toEqual({ id: session.id, type: 'session_deleted' });
  await expect(client.beta.sessions.retrieve(session.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  expect(await harness.lucid.readEvents(session.id)).toEqual([]);
});

test('archiving a running session interrupts its turn, then ends it', async () => {
  const agent = await newAgent('busy');
  const session = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: environmentId,
    initial_events: [{ type: 'user.message', content: [{ type: 'text', text: 'Work slowly' }] }],
  });
  await waitFor(
    async () => (await client.beta.sessions.retrieve(session.id)).status === 'running',
    'the session to run',
  );
  const archived = await client.beta.sessions.archive(session.id);
  expect(archived).toMatchObject({ status: 'terminated', archived_at: expect.any(String) });
  const types = (await harness.lucid.readEvents(session.id)).map((event) => event.type);
  expect(types).toContain('user.interrupt');
  expect(types.slice(-2)).toEqual(['session.status_idle', 'session.status_terminated']);
});

test('a budget stops the turn once its model requests cost the limit, and a model without a price is refused', async () => {
  const agent = await client.beta.agents.create({ name: 'spender', model: 'claude-haiku-4-5' });
  const budget = { type: 'limit' as const, max_list_cost: { amount: '50', currency: 'USD' as const } };
  const session = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: environmentId,
    budget,
    initial_events: [{ type: 'user.message', content: [{ type: 'text', text: 'Do something expensive' }] }],
  });
  expect(session.budget).toEqual(budget);
  await untilIdle(session.id);
  const events = await harness.lucid.readEvents(session.id);
  // One request of a million input tokens at $1 per million: 100 cents, past the 50-cent limit; no second request.
  expect(events.filter((event) => event.type === 'span.model_request_start')).toHaveLength(1);
  expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'budget_reached' } });
  const spent = await client.beta.sessions.retrieve(session.id);
  expect(spent.usage.list_cost).toEqual({ amount: '100', currency: 'USD' });

  const unpriced = await newAgent('unpriced');
  const refused = client.beta.sessions.create({ agent: unpriced.id, environment_id: environmentId, budget });
  await expect(refused).rejects.toMatchObject({ status: 400, error: { error: { message: /model_not_budgetable/ } } });
});

test('a memory store resource is attached to the session, and an unknown one is refused', async () => {
  const agent = await newAgent('rememberer');
  const store = await harness.storage.memory.createStore({ name: 'team notes', description: 'What the team knows' });
  const resource = { type: 'memory_store' as const, memory_store_id: store.id, access: 'read_only' as const };
  const session = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: environmentId,
    resources: [resource],
    initial_events: [{ type: 'user.message', content: [{ type: 'text', text: 'What do you remember?' }] }],
  });
  expect(session.resources).toEqual([{ ...resource, name: 'team notes', description: 'What the team knows' }]);
  await untilIdle(session.id);
  expect(await agentReplies(session.id)).toEqual(['I have a memory store.']); // the memory tool was offered
  const listed = await client.beta.sessions.list({ memory_store_id: store.id });
  expect(listed.data.map((listedSession) => listedSession.id)).toEqual([session.id]);

  const missing = client.beta.sessions.create({
    agent: agent.id,
    environment_id: environmentId,
    resources: [{ type: 'memory_store', memory_store_id: 'memstore_missing1' }],
  });
  await expect(missing).rejects.toMatchObject({ status: 404, error: { error: { message: /no memory store/ } } });
});

test('list filters by agent, version, status and time, and pages both ways', async () => {
  const agent = await newAgent('lister');
  const other = await newAgent('other');
  const ids: string[] = [];
  for (let index = 0; index < 5; index++) {
    ids.push((await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId })).id);
  }
  await client.beta.sessions.create({ agent: other.id, environment_id: environmentId });
  await client.beta.sessions.archive(ids[4]);

  const seen: string[] = [];
  for await (const session of client.beta.sessions.list({ agent_id: agent.id, limit: 2 })) seen.push(session.id);
  expect(seen).toEqual([ids[3], ids[2], ids[1], ids[0]]); // newest first, the archived one left out

  const first = await client.beta.sessions.list({ agent_id: agent.id, limit: 2 });
  expect(first.prev_page).toBeNull();
  const second = await client.beta.sessions.list({ agent_id: agent.id, limit: 2, page: first.next_page });
  expect(second.data.map((session) => session.id)).toEqual([ids[1], ids[0]]);
  expect(second.next_page).toBeNull();
  const back = await client.beta.sessions.list({ agent_id: agent.id, limit: 2, page: second.prev_page });
  expect(back.data.map((session) => session.id)).toEqual([ids[3], ids[2]]);
  expect(back.prev_page).toBeNull();

  const ascending = await client.beta.sessions.list({ agent_id: agent.id, order: 'asc', include_archived: true });
  expect(ascending.data.map((session) => session.id)).toEqual(ids);
  const terminated = await client.beta.sessions.list({
    agent_id: agent.id,
    include_archived: true,
    statuses: ['terminated'],
  });
  expect(terminated.data.map((session) => session.id)).toEqual([ids[4]]);
  const idle = await client.beta.sessions.list({ agent_id: agent.id, statuses: ['idle', 'running'] });
  expect(idle.data).toHaveLength(4);
  expect((await client.beta.sessions.list({ agent_id: agent.id, agent_version: 2 })).data).toEqual([]);
  const middle = await client.beta.sessions.retrieve(ids[2]);
  const later = await client.beta.sessions.list({ agent_id: agent.id, 'created_at[gt]': middle.created_at });
  expect(later.data.map((session) => session.id)).toEqual([ids[3]]);
});

test('initial events start the work at once, and the session keeps the agent version it started with', async () => {
  const agent = await newAgent('pinned');
  const session = await client.beta.sessions.create({
    agent: { type: 'agent', id: agent.id, version: 1 },
    environment_id: environmentId,
    initial_events: [{ type: 'user.message', content: [{ type: 'text', text: 'Begin' }] }],
  });
  await client.beta.agents.update(agent.id, { version: 1, system: 'You write poems now.' });
  await untilIdle(session.id);
  expect(await agentReplies(session.id)).toEqual(['Noted.']);
  const events = await harness.lucid.readEvents(session.id);
  expect(events.map((event) => event.type).slice(0, 2)).toEqual(['user.message', 'session.status_running']);
  const retrieved = await client.beta.sessions.retrieve(session.id);
  expect(retrieved.agent).toMatchObject({ version: 1, system: 'You keep tidy notes.' });

  const newer = await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
  expect(newer.agent).toMatchObject({ version: 2, system: 'You write poems now.' });
  const overridden = await client.beta.sessions.create({
    agent: { type: 'agent_with_overrides', id: agent.id, version: 1, system: 'Override prompt' },
    environment_id: environmentId,
  });
  expect(overridden.agent).toMatchObject({ version: 1, system: 'Override prompt' });
});

test('an outcome sent as an event sets the session to work against its rubric', async () => {
  const agent = await newAgent('achiever');
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
  const rubric = { type: 'text' as const, content: 'The note exists.' };
  const refused = client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.define_outcome', description: 'outcome', rubric: { type: 'file', file_id: 'file_1' } }],
  });
  await expect(refused).rejects.toMatchObject({ status: 400, error: { error: { message: /file rubrics/ } } });
  const sent = await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.define_outcome', description: 'outcome: write the note', rubric, max_iterations: 1 }],
  });
  expect(sent.data?.[0]).toMatchObject({ type: 'user.define_outcome', description: 'outcome: write the note' });
});

test('bad input is refused with the API error and changes nothing', async () => {
  const agent = await newAgent('careful');
  const before = (await client.beta.sessions.list({ include_archived: true, limit: 100 })).data.length;
  const refusals: [Record<string, unknown>, number, RegExp][] = [
    [{ agent: agent.id, environment_id: environmentId, colour: 'blue' }, 400, /colour/],
    [{ agent: 'agent_1111111111', environment_id: environmentId }, 404, /no agent/],
    [{ agent: { type: 'agent', id: agent.id, version: 9 }, environment_id: environmentId }, 404, /no version 9/],
    [
      {
        agent: agent.id,
        environment_id: environmentId,
        initial_events: [{ type: 'user.message', content: [{ type: 'image', source: { type: 'url', url: 'x' } }] }],
      },
      400,
      /url image sources are not supported/,
    ],
    [
      { agent: agent.id, environment_id: environmentId, initial_events: [{ type: 'user.interrupt' }] },
      400,
      /user\.interrupt/,
    ],
  ];
  for (const [body, status, message] of refusals) {
    const refused = client.beta.sessions.create(body as unknown as Anthropic.Beta.Sessions.SessionCreateParams);
    await expect(refused).rejects.toMatchObject({ status, error: { error: { message } } });
  }
  expect((await client.beta.sessions.list({ include_archived: true, limit: 100 })).data).toHaveLength(before);

  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
  const batch = client.beta.sessions.events.send(session.id, {
    events: [
      { type: 'user.message', content: [{ type: 'text', text: 'first' }] },
      { type: 'user.custom_tool_result', custom_tool_use_id: 'x' },
    ],
  });
  await expect(batch).rejects.toMatchObject({ status: 400, error: { error: { message: /events\.1: user\.custom/ } } });
  expect(await harness.lucid.readEvents(session.id)).toEqual([]); // the first event was not applied either
  const interrupt = client.beta.sessions.events.send(session.id, { events: [{ type: 'user.interrupt' }] });
  await expect(interrupt).rejects.toMatchObject({ status: 400, error: { error: { message: /no turn to interrupt/ } } });
  const raw = (method: string, path: string, body?: unknown) =>
    fetch(`${server.baseURL}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const unknownUpdate = await raw('POST', `/v1/sessions/${session.id}`, { title: 'x', colour: 'blue' });
  expect(unknownUpdate.status).toBe(400);
  expect(await unknownUpdate.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  expect((await raw('GET', '/v1/sessions?colour=blue')).status).toBe(400);
  expect((await raw('POST', `/v1/sessions/${session.id}/events`, { events: [], extra: 1 })).status).toBe(400);
  expect((await client.beta.sessions.retrieve(session.id)).title).toBeNull();
  await expect(client.beta.sessions.retrieve('sesn_missing1')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  await expect(client.beta.sessions.retrieve('not-a-session')).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  expect(await client.beta.sessions.retrieve(session.id)).toMatchObject({ status: 'idle' });
});

test('a session made over HTTP is its Temporal workflow, and one LucidClient started is served over HTTP', async () => {
  const agent = await newAgent('shared');
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
  const description = await harness.temporal.client.workflow.getHandle(session.id).describe();
  expect(description).toMatchObject({ workflowId: session.id, type: 'agentSession', status: { name: 'RUNNING' } });

  const started = await harness.lucid.startSession({ agent: 'scribe', message: 'Hello', keep_alive_seconds: 60 });
  await untilIdle(started);
  const retrieved = await client.beta.sessions.retrieve(started);
  expect(retrieved).toMatchObject({ id: started, status: 'idle', agent: { name: 'scribe' } });
  const sent = await client.beta.sessions.events.send(started, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'Again' }] }],
  });
  expect(sent.data).toHaveLength(1);
  await untilIdle(started);
  expect(await agentReplies(started)).toEqual(['Noted.', 'Noted.']);
  await harness.temporal.client.workflow.getHandle(started).terminate('test done');

  // The Temporal CLI can start a session with the API's lifecycle too: idle, until a message comes over HTTP.
  const cliSession = `sesn_temporalCli${Date.now()}`;
  startWithTemporalCli(harness, cliSession, { agent: 'scribe', lifecycle: 'api' });
  await untilIdle(cliSession);
  await client.beta.sessions.events.send(cliSession, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'Hello from HTTP' }] }],
  });
  await waitFor(async () => (await agentReplies(cliSession)).length === 1, 'the reply');

  // Both are listed beside the API's own (Temporal's visibility may take a moment to show a new workflow)...
  const listedIds = async (params: Anthropic.Beta.Sessions.SessionListParams = {}) => {
    const ids: string[] = [];
    for await (const listed of client.beta.sessions.list({ limit: 2, ...params })) ids.push(listed.id);
    return ids;
  };
  await waitFor(async () => {
    const ids = await listedIds();
    return [session.id, started, cliSession].every((id) => ids.includes(id));
  }, 'the sessions started without the API to be listed');
  const listed = await client.beta.sessions.list({ limit: 100 });
  expect(listed.data.find((each) => each.id === cliSession)).toMatchObject({
    status: 'idle',
    agent: { name: 'scribe' },
    archived_at: null,
  });
  expect(listed.data.find((each) => each.id === started)).toMatchObject({ status: 'terminated' });
  expect(await client.beta.sessions.retrieve(started)).toMatchObject({ status: 'terminated' });
  // ...in one order across pages, with a stable cursor, and out of lists filtered on what they lack.
  const newestFirst = await listedIds();
  expect(newestFirst).toEqual(listed.data.map((each) => each.id));
  expect((await listedIds({ order: 'asc' })).reverse()).toEqual(newestFirst);
  expect(await listedIds({ agent_id: agent.id })).toEqual([session.id]);
  expect(await listedIds({ statuses: ['terminated'] })).toContain(started);
  expect(await listedIds({ statuses: ['idle'] })).not.toContain(started);

  // Deleted through the API, it is gone from the list although its workflow stays in Temporal's visibility.
  await client.beta.sessions.delete(cliSession);
  expect(await listedIds()).not.toContain(cliSession);
});
