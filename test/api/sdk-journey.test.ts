/**
 * The client journey, with the official SDK exactly as published against a real server, a real worker on
 * the run's dev server and the scripted model: agent → environment → session with initial events → stream until
 * idle → list events → a follow-up → an outcome with a rubric file → a lead with two sub-agents in parallel →
 * memory CRUD with a failing precondition (409, sent once) → a dream polled to completion → archive and delete.
 * The steps share one server and build on each other, as a client's script would.
 */
import Anthropic, { toFile } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsSession } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import type { Rule } from '../../src/scripted-model/scenario';
import type { RecordedRequest } from '../../src/scripted-model/server';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { addChange, changesReply, lessonsReply } from '../helpers/dream-replies';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
const toolUse = (name: string, input: Record<string, unknown>) => ({
  content: [{ type: 'tool_use' as const, name, input }],
});
const delegate = (agent: string, task: string) => ({
  type: 'tool_use' as const,
  name: 'delegate',
  input: { agent, task },
});

/** A sub-agent writes `<topic>.md` slowly (so two threads overlap), then reports in one line. */
const subAgent = (system: string, topic: string): Rule[] => [
  {
    match: { system, last_user_text: topic },
    times: 1,
    delay_ms: 800,
    reply: toolUse('write', { file_path: `${topic}.md`, content: `notes on ${topic}\n` }),
  },
  { match: { system }, reply: text(`${topic} notes are in ${topic}.md`) },
];

const RULES: Rule[] = [
  lessonsReply('Packing lists need dates.'),
  changesReply([addChange('/trips/packing.md', 'Date every packing list.')]),
  {
    match: { tools_include: 'submit_verdict' },
    reply: toolUse('submit_verdict', {
      result: 'satisfied',
      explanation: 'itinerary.md has a day-by-day plan',
      criteria: [{ criterion: 'A day-by-day plan', met: true, explanation: 'three days listed' }],
    }),
  },
  {
    match: { system: 'GUIDE-SYSTEM', last_user_text: 'Outcome outc_' },
    times: 1,
    reply: toolUse('write', { file_path: 'itinerary.md', content: 'Day 1: Lisbon\nDay 2: Sintra\nDay 3: Porto\n' }),
  },
  {
    match: { system: 'GUIDE-SYSTEM', last_user_text: 'packing list' },
    times: 1,
    reply: toolUse('write', { file_path: 'packing.md', content: '- boots\n- map\n' }),
  },
  { match: { system: 'GUIDE-SYSTEM', request: 'itinerary.md' }, reply: text('The itinerary is in itinerary.md.') },
  { match: { system: 'GUIDE-SYSTEM', request: 'packing.md' }, reply: text('The packing list is in packing.md.') },
  { match: { system: 'GUIDE-SYSTEM' }, reply: text('Portugal, three days, by train.') },
  ...subAgent('RESEARCHER-SYSTEM', 'trains'),
  ...subAgent('WRITER-SYSTEM', 'hotels'),
  {
    match: { system: 'LEAD-SYSTEM' },
    times: 1,
    reply: { content: [delegate('researcher', 'research trains'), delegate('writer', 'describe hotels')] },
  },
  { match: { system: 'LEAD-SYSTEM' }, reply: text('The guide is assembled.') },
];

let harness: SessionHarness;
let server: TestApiServer;
let client: Anthropic;

beforeAll(async () => {
  harness = await startSessionHarness({ rules: RULES });
  server = await startTestApiServer({ lucid: harness.lucid });
  // The SDK's defaults, retries included: the precondition failure must not be retried by it.
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY });
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

type StreamedEvent = { type: string; id: string; content?: Array<{ type: string; text?: string }> };

/** Reads the session's stream from its first event until the session is idle after an answer. */
async function streamUntilIdle(sessionId: string): Promise<StreamedEvent[]> {
  const stream = await client.beta.sessions.events.stream(
    sessionId,
    {},
    { query: { replay: 'true' } }, // Lucid's resume-from-the-first-event option (docs/api.md)
  );
  const seen: StreamedEvent[] = [];
  for await (const event of stream) {
    seen.push(event as StreamedEvent);
    const answered = seen.some((earlier) => earlier.type === 'agent.message');
    if (answered && event.type === 'session.status_idle') break;
  }
  stream.controller.abort();
  return seen;
}

async function untilIdle(sessionId: string, done: (session: BetaManagedAgentsSession) => boolean = () => true) {
  let session: BetaManagedAgentsSession | undefined;
  await waitFor(async () => {
    session = await client.beta.sessions.retrieve(sessionId);
    return session.status === 'idle' && done(session);
  }, `session ${sessionId} to be idle`);
  return session!;
}

async function all<T>(page: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of page) items.push(item);
  return items;
}

const messagesOf = (events: StreamedEvent[]) =>
  events.filter((event) => event.type === 'agent.message').map((event) => event.content?.[0]?.text);

test('the issue’s client journey, end to end through the official SDK', async () => {
  // Agent and environment.
  const guide = await client.beta.agents.create({
    name: 'guide',
    model: 'scripted-small',
    system: 'GUIDE-SYSTEM',
    tools: [{ type: 'agent_toolset_20260401' }],
  });
  expect(guide).toMatchObject({ type: 'agent', version: 1, multiagent: null });
  const environment = await client.beta.environments.create({ name: 'journey' });
  expect(environment.id).toMatch(/^env_/);

  // A session with initial events is running at once, and its stream tells the turn to the end.
  const session = await client.beta.sessions.create({
    agent: guide.id,
    environment_id: environment.id,
    title: 'Trip',
    initial_events: [{ type: 'user.message', content: [{ type: 'text', text: 'Plan a trip to Portugal' }] }],
  });
  expect(session).toMatchObject({ type: 'session', status: 'running', title: 'Trip', agent: { id: guide.id } });
  const streamed = await streamUntilIdle(session.id);
  expect(streamed.map((event) => event.type)).toEqual(
    expect.arrayContaining(['user.message', 'session.status_running', 'agent.message', 'session.status_idle']),
  );
  expect(messagesOf(streamed)).toEqual(['Portugal, three days, by train.']);

  // events.list holds what the stream showed, in order, and filters by type.
  const listed = await all(client.beta.sessions.events.list(session.id));
  expect(listed.map((event) => event.id)).toEqual(expect.arrayContaining(streamed.map((event) => event.id)));
  const userMessages = await all(client.beta.sessions.events.list(session.id, { types: ['user.message'] }));
  expect(userMessages).toHaveLength(1);

  // A follow-up: the agent uses a tool, and its result names the tool_use event.
  const sent = await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'Add a packing list' }] }],
  });
  expect(sent.data).toEqual([expect.objectContaining({ type: 'user.message', id: expect.stringMatching(/^sevt_/) })]);
  await waitFor(async () => {
    const messages = await all(client.beta.sessions.events.list(session.id, { types: ['agent.message'] }));
    return messages.length === 2;
  }, 'the follow-up answer');
  await untilIdle(session.id);
  const afterFollowUp = await all(client.beta.sessions.events.list(session.id));
  const toolUseEvent = afterFollowUp.find((event) => event.type === 'agent.tool_use')!;
  expect(afterFollowUp.find((event) => event.type === 'agent.tool_result')).toMatchObject({
    tool_use_id: toolUseEvent.id,
    is_error: false,
  });
  expect(messagesOf(afterFollowUp as StreamedEvent[]).at(-1)).toBe('The packing list is in packing.md.');

  // An outcome whose rubric is an uploaded file: the agent works on it and the grader, given the file's text,
  // finds it satisfied.
  const rubricFile = await client.beta.files.upload({
    file: await toFile(Buffer.from('- A day-by-day plan'), 'rubric.md', { type: 'text/markdown' }),
  });
  const defined = await client.beta.sessions.events.send(session.id, {
    events: [
      {
        type: 'user.define_outcome',
        description: 'Write itinerary.md with a day-by-day plan',
        rubric: { type: 'file', file_id: rubricFile.id },
        max_iterations: 2,
      },
    ],
  });
  expect(defined.data?.[0]).toMatchObject({ rubric: { type: 'text', content: '- A day-by-day plan' } });
  const graded = await untilIdle(session.id, (current) => current.outcome_evaluations.length > 0);
  expect(graded.outcome_evaluations).toEqual([
    expect.objectContaining({ type: 'outcome_evaluation', result: 'satisfied', iteration: 0 }),
  ]);
  const spans = await all(client.beta.sessions.events.list(session.id, { types: ['span.outcome_evaluation_end'] }));
  expect(spans).toEqual([expect.objectContaining({ result: 'satisfied' })]);

  // A lead whose coordinator roster names two API agents: both run as threads, at the same time.
  const researcher = await client.beta.agents.create({
    name: 'researcher',
    description: 'Finds train connections',
    model: 'research-model',
    system: 'RESEARCHER-SYSTEM',
    tools: [{ type: 'agent_toolset_20260401' }],
  });
  const writer = await client.beta.agents.create({
    name: 'writer',
    description: 'Describes hotels',
    model: 'writer-model',
    system: 'WRITER-SYSTEM',
    tools: [{ type: 'agent_toolset_20260401' }],
  });
  const lead = await client.beta.agents.create({
    name: 'lead',
    model: 'lead-model',
    system: 'LEAD-SYSTEM',
    multiagent: { type: 'coordinator', agents: [researcher.id, { type: 'agent', id: writer.id, version: 1 }] },
  });
  expect(lead.multiagent).toEqual({
    type: 'coordinator',
    agents: [
      { type: 'agent', id: researcher.id, version: 1 },
      { type: 'agent', id: writer.id, version: 1 },
    ],
  });
  const before = harness.model.requests.length;
  const leadSession = await client.beta.sessions.create({
    agent: lead.id,
    environment_id: environment.id,
    initial_events: [{ type: 'user.message', content: [{ type: 'text', text: 'Build the travel guide' }] }],
  });
  expect(leadSession.agent.multiagent).toMatchObject({
    type: 'coordinator',
    agents: [
      { type: 'agent', id: researcher.id, version: 1, system: 'RESEARCHER-SYSTEM' },
      { type: 'agent', id: writer.id, version: 1, system: 'WRITER-SYSTEM' },
    ],
  });
  const leadStream = await streamUntilIdle(leadSession.id);
  expect(messagesOf(leadStream)).toEqual(['The guide is assembled.']);
  const created = leadStream.filter((event) => event.type === 'session.thread_created') as Array<
    StreamedEvent & { agent_name: string }
  >;
  expect(created.map((event) => event.agent_name).sort()).toEqual(['researcher', 'writer']);
  const threads = await all(client.beta.sessions.threads.list(leadSession.id));
  expect(threads).toHaveLength(2);
  // Parallel: both threads' first model requests arrived before either was answered.
  const requests = harness.model.requests.slice(before);
  const firstOf = (system: string) => requests.find((request) => systemOf(request).includes(system))!;
  const [trains, hotels] = [firstOf('RESEARCHER-SYSTEM'), firstOf('WRITER-SYSTEM')];
  expect(trains.body.model).toBe('research-model');
  expect(hotels.body.model).toBe('writer-model');
  expect(Math.max(trains.received_at, hotels.received_at)).toBeLessThan(
    Math.min(trains.answered_at!, hotels.answered_at!),
  );
  const leadRequests = requests.filter((request) => systemOf(request).includes('LEAD-SYSTEM'));
  expect(JSON.stringify(leadRequests[1].body.messages)).toContain('trains notes are in trains.md');
  expect(JSON.stringify(leadRequests[1].body.messages)).toContain('hotels notes are in hotels.md');

  // Memory: create, read, update under a precondition; a stale one is a 409 the SDK does not retry.
  const store = await client.beta.memoryStores.create({ name: 'travel', description: 'What the guide learned' });
  const memories = client.beta.memoryStores.memories;
  const memory = await memories.create(store.id, { path: '/trips/portugal.md', content: 'Trains are cheap.' });
  expect((await memories.retrieve(memory.id, { memory_store_id: store.id })).content).toBe('Trains are cheap.');
  const updated = await memories.update(memory.id, {
    memory_store_id: store.id,
    content: 'Trains are cheap; book ahead.',
    precondition: { type: 'content_sha256', content_sha256: memory.content_sha256 },
  });
  const requestsBefore = server.requests();
  const stale = memories.update(memory.id, {
    memory_store_id: store.id,
    content: 'A lost update',
    precondition: { type: 'content_sha256', content_sha256: memory.content_sha256 },
  });
  await expect(stale).rejects.toBeInstanceOf(Anthropic.ConflictError);
  await expect(stale).rejects.toMatchObject({
    status: 409,
    error: { type: 'error', error: { type: 'memory_precondition_failed_error' } },
  });
  expect(server.requests() - requestsBefore).toBe(1);
  const kept = await memories.retrieve(memory.id, { memory_store_id: store.id });
  expect(kept).toMatchObject({ content: 'Trains are cheap; book ahead.', content_sha256: updated.content_sha256 });
  expect((await all(memories.list(store.id))).map((item) => (item as { path?: string }).path)).toEqual([
    '/trips/portugal.md',
  ]);

  // A dream over the trip session writes what it learned into the store, polled until it completes.
  const dream = await client.beta.dreams.create({
    inputs: [
      { type: 'sessions', session_ids: [session.id] },
      { type: 'memory_store', memory_store_id: store.id },
    ],
    model: 'dream-model',
    output_behavior: { type: 'update_existing', memory_store_id: store.id },
  });
  expect(dream).toMatchObject({ type: 'dream', status: 'pending' });
  let polled = dream;
  await waitFor(async () => {
    polled = await client.beta.dreams.retrieve(dream.id);
    return ['completed', 'failed', 'canceled'].includes(polled.status);
  }, 'the dream to end');
  expect(polled).toMatchObject({ status: 'completed', error: null });
  const dreamt = await all(memories.list(store.id));
  expect(dreamt.map((item) => (item as { path?: string }).path).sort()).toEqual([
    '/trips/packing.md',
    '/trips/portugal.md',
  ]);
  const packing = dreamt.find((item) => (item as { path?: string }).path === '/trips/packing.md') as { id: string };
  expect((await memories.retrieve(packing.id, { memory_store_id: store.id })).content).toBe('Date every packing list.');

  // Archive and delete: an archived session ends and stays readable; a deleted one is gone.
  const archived = await client.beta.sessions.archive(session.id);
  expect(archived.archived_at).not.toBeNull();
  await waitFor(
    async () => (await client.beta.sessions.retrieve(session.id)).status === 'terminated',
    'the archived session to end',
  );
  expect(await client.beta.sessions.delete(leadSession.id)).toEqual({ id: leadSession.id, type: 'session_deleted' });
  await expect(client.beta.sessions.retrieve(leadSession.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  expect((await client.beta.agents.archive(lead.id)).archived_at).not.toBeNull();
  expect((await client.beta.environments.archive(environment.id)).archived_at).not.toBeNull();
  expect(await client.beta.memoryStores.delete(store.id)).toMatchObject({ id: store.id });
  await expect(client.beta.memoryStores.retrieve(store.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
});

const systemOf = (request: RecordedRequest) => JSON.stringify(request.body.system ?? '');
