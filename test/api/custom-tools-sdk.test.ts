/**
 * Custom tools through the HTTP API with the official SDK, unchanged: an agent defined with a custom tool, the
 * SDK's own session tool runner (`client.beta.sessions.events.toolRunner`) running the tool locally and posting
 * `user.custom_tool_result`, and what the API refuses: results for calls that do not wait, twice, or malformed.
 */
import Anthropic from '@anthropic-ai/sdk';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import type { BetaManagedAgentsSessionEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

let harness: SessionHarness;
let server: TestApiServer;
let client: Anthropic;
let environmentId: string;

const lookupTicketParams = {
  type: 'custom' as const,
  name: 'lookup_ticket',
  description: 'Look a ticket up in the tracker',
  input_schema: { type: 'object' as const, properties: { id: { type: 'string' } }, required: ['id'] },
};

beforeAll(async () => {
  harness = await startSessionHarness({
    rules: [
      {
        match: { last_user_text: 'tickets 7 and 8' },
        reply: {
          content: [
            { type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-7' } },
            { type: 'tool_use', name: 'write', input: { file_path: 'seen.txt', content: 'T-7, T-8' } },
            { type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-8' } },
          ],
        },
      },
      {
        match: { last_tool_result: 'T-8: closed' },
        reply: { content: [{ type: 'text', text: 'T-7 open, T-8 closed.' }] },
      },
      {
        match: { last_user_text: 'ticket 9' },
        reply: { content: [{ type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-9' } }] },
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

async function sessionWithCustomTool() {
  const agent = await client.beta.agents.create({
    name: 'clerk',
    model: 'scripted-small',
    system: 'You look tickets up.',
    tools: [{ type: 'agent_toolset_20260401' }, lookupTicketParams],
  });
  return client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
}

async function apiEvents(sessionId: string): Promise<BetaManagedAgentsSessionEvent[]> {
  const events: BetaManagedAgentsSessionEvent[] = [];
  for await (const event of client.beta.sessions.events.list(sessionId, { limit: 1000 })) events.push(event);
  return events;
}

test('an agent keeps its custom tool as given', async () => {
  const agent = await client.beta.agents.create({
    name: 'keeper',
    model: 'scripted-small',
    tools: [lookupTicketParams],
  });
  expect(agent.tools).toEqual([lookupTicketParams]);
  expect((await client.beta.agents.retrieve(agent.id)).tools).toEqual([lookupTicketParams]);
  await expect(
    client.beta.agents.create({
      name: 'bad',
      model: 'scripted-small',
      tools: [{ ...lookupTicketParams, name: 'grep' }],
    }),
  ).rejects.toMatchObject({ status: 400, message: expect.stringContaining("is taken by one of Lucid's tools") });
});

test("the SDK's session tool runner runs custom tools against Lucid, end to end", async () => {
  const session = await sessionWithCustomTool();
  const looked: string[] = [];
  const lookupTicket = betaTool({
    name: 'lookup_ticket',
    description: 'Look a ticket up in the tracker',
    inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    run: ({ id }) => {
      looked.push(id);
      return `${id}: ${id === 'T-7' ? 'open' : 'closed'}`;
    },
  });
  const runner = client.beta.sessions.events.toolRunner(session.id, { tools: [lookupTicket], maxIdleMs: 1_500 });
  const calls: Array<{ name: string; posted: boolean; isError: boolean }> = [];
  const running = (async () => {
    for await (const call of runner) calls.push({ name: call.name, posted: call.posted, isError: call.isError });
  })();
  await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'tickets 7 and 8' }] }],
  });
  await running; // ends once the session has been idle (end_turn) for maxIdleMs

  expect(looked.sort()).toEqual(['T-7', 'T-8']);
  // Lucid's own `write` call of the same turn is not the runner's: it leaves it alone.
  expect(calls).toEqual(
    expect.arrayContaining([
      { name: 'lookup_ticket', posted: true, isError: false },
      { name: 'lookup_ticket', posted: true, isError: false },
      { name: 'write', posted: false, isError: false },
    ]),
  );
  const events = await apiEvents(session.id);
  const uses = events.filter((event) => event.type === 'agent.custom_tool_use');
  expect(uses.map((use) => use.input)).toEqual([{ id: 'T-7' }, { id: 'T-8' }]);
  const idle = events.find((event) => event.type === 'session.status_idle');
  expect(idle).toMatchObject({ stop_reason: { type: 'requires_action', event_ids: uses.map((use) => use.id) } });
  const results = events.filter((event) => event.type === 'user.custom_tool_result');
  expect(results.map((result) => result.custom_tool_use_id).sort()).toEqual(uses.map((use) => use.id).sort());
  expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
  expect(events.filter((event) => event.type === 'agent.message').at(-1)).toMatchObject({
    content: [{ type: 'text', text: 'T-7 open, T-8 closed.' }],
  });
  expect(events.filter((event) => event.type === 'agent.tool_result')).toEqual([
    expect.objectContaining({ is_error: false }),
  ]);
});

test('results for calls that do not wait, twice, or malformed are refused and change nothing', async () => {
  const session = await sessionWithCustomTool();
  await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'ticket 9' }] }],
  });
  let useId = '';
  await waitFor(async () => {
    const idle = (await apiEvents(session.id)).find((event) => event.type === 'session.status_idle');
    if (idle?.type !== 'session.status_idle' || idle.stop_reason.type !== 'requires_action') return false;
    useId = idle.stop_reason.event_ids[0];
    return true;
  }, 'requires_action');
  const before = await apiEvents(session.id);
  const result = (id: string, text = 'T-9: open') => ({
    type: 'user.custom_tool_result' as const,
    custom_tool_use_id: id,
    content: [{ type: 'text' as const, text }],
  });
  const refusal = (events: Anthropic.Beta.Sessions.EventSendParams['events']) =>
    client.beta.sessions.events.send(session.id, { events }).then(
      () => null,
      (error: unknown) => error,
    );

  expect(await refusal([result('sevt_unknown')])).toMatchObject({
    status: 400,
    message: expect.stringContaining(
      `events.0: user.custom_tool_result: no custom tool call waits for an answer under sevt_unknown`,
    ),
  });
  // One bad event refuses the batch: the good answer before it is not applied either.
  expect(await refusal([result(useId), result('sevt_unknown')])).toMatchObject({ status: 400 });
  expect(await refusal([result(useId), result(useId)])).toMatchObject({
    status: 400,
    message: expect.stringContaining('answered earlier in this batch'),
  });
  expect(
    await refusal([
      {
        type: 'user.custom_tool_result',
        custom_tool_use_id: useId,
        content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }],
      },
    ]),
  ).toMatchObject({ status: 400, message: expect.stringContaining('only text blocks') });
  expect(await apiEvents(session.id)).toEqual(before);

  const sent = await client.beta.sessions.events.send(session.id, { events: [result(useId)] });
  expect(sent.data).toEqual([
    expect.objectContaining({ type: 'user.custom_tool_result', custom_tool_use_id: useId, is_error: false }),
  ]);
  expect(await refusal([result(useId)])).toMatchObject({ status: 400 });
  await waitFor(async () => {
    const events = await apiEvents(session.id);
    return events.at(-1)?.type === 'session.status_idle' && events.some((event) => event.type === 'agent.message');
  }, 'the turn to end');
  expect((await apiEvents(session.id)).filter((event) => event.type === 'user.custom_tool_result')).toHaveLength(1);
});

test("the server's LUCID_CUSTOM_TOOL_WAIT_SECONDS bounds the wait of the sessions it starts", async () => {
  const impatient = await startTestApiServer({ lucid: harness.lucid, customToolWaitSeconds: 1 });
  try {
    const sdk = new Anthropic({ baseURL: impatient.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
    const agent = await sdk.beta.agents.create({
      name: 'impatient',
      model: 'scripted-small',
      tools: [lookupTicketParams],
    });
    const { id: environment } = await sdk.beta.environments.create({ name: 'impatient' });
    const session = await sdk.beta.sessions.create({ agent: agent.id, environment_id: environment });
    await sdk.beta.sessions.events.send(session.id, {
      events: [{ type: 'user.message', content: [{ type: 'text', text: 'ticket 9' }] }],
    });
    await waitFor(async () => {
      const events = await apiEvents(session.id);
      return events.at(-1)?.type === 'session.status_idle' && events.some((event) => event.type === 'agent.message');
    }, 'the wait limit to end the call');
    const [result] = (await apiEvents(session.id)).filter((event) => event.type === 'agent.tool_result');
    expect(result).toMatchObject({
      is_error: true,
      content: [{ type: 'text', text: 'the lookup_ticket call got no result from the client within 1 s' }],
    });
  } finally {
    await impatient.close();
  }
});
