/**
 * A temporal_activity tool (Lucid's extension) through the HTTP API and the official SDK: an API agent with the
 * tool is stored and answered as given, a session of it files a ticket on the team's worker (a separate process),
 * and a definition Lucid cannot run is refused with a 400 that changes nothing.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { ticketTool, ticketWorker, type TicketWorker } from '../helpers/ticket-worker';
import { waitFor } from '../helpers/wait-for';

type AgentTools = BetaManagedAgentsAgent['tools'];

let harness: SessionHarness;
let server: TestApiServer;
let client: Anthropic;
let tickets: TicketWorker;

beforeAll(async () => {
  harness = await startSessionHarness({
    rules: [
      {
        match: { last_user_text: 'The printer burns' },
        times: 1,
        reply: { content: [{ type: 'tool_use', name: 'create_ticket', input: { title: 'Printer on fire' } }] },
      },
      { match: {}, reply: { content: [{ type: 'text', text: 'Filed.' }] } },
    ],
  });
  server = await startTestApiServer({ lucid: harness.lucid });
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
  tickets = ticketWorker(harness.temporal.address);
  await tickets.start();
});

afterAll(async () => {
  await tickets?.stop();
  await server?.close();
  await harness?.close();
});

test('an API agent with a temporal_activity tool is echoed as given and its session files a ticket', async () => {
  const tool = { ...ticketTool(tickets.taskQueue), start_to_close_timeout: '30s' };
  // Lucid's own tool kind is not in the SDK's types: sent as the SDK sends any tool, as JSON.
  const agent = await client.beta.agents.create({
    name: 'triager',
    model: 'scripted-small',
    tools: [tool] as unknown as AgentTools,
  });
  expect(agent.tools).toEqual([tool]);
  expect((await client.beta.agents.retrieve(agent.id)).tools).toEqual([tool]);

  const environment = await client.beta.environments.create({ name: 'tickets' });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'The printer burns' }] }],
  });
  const isIdle = async () => (await client.beta.sessions.retrieve(session.id)).status === 'idle';
  await waitFor(async () => (await isIdle()) && tickets.tickets().length > 0, 'the session to file the ticket');

  const events: Array<Record<string, unknown>> = [];
  for await (const event of client.beta.sessions.events.list(session.id)) events.push(event as never);
  const toolUse = events.find((event) => event.type === 'agent.tool_use');
  expect(toolUse).toMatchObject({ name: 'create_ticket', input: { title: 'Printer on fire' } });
  // The activity is given the model's call id (the log's), the same on every attempt; the API names events by theirs.
  const logged = (await harness.lucid.readEvents(session.id)).find((event) => event.type === 'agent.tool_use');
  const modelCallId = logged?.type === 'agent.tool_use' ? logged.tool_use_id : undefined;
  expect(tickets.tickets()).toEqual([expect.objectContaining({ title: 'Printer on fire', tool_use_id: modelCallId })]);
  const result = events.find((event) => event.type === 'agent.tool_result');
  expect(result).toMatchObject({ tool_use_id: toolUse?.id, is_error: false });
  expect(JSON.stringify(result?.content)).toContain('TICKET-1');
  expect(events.filter((event) => event.type === 'agent.message')).toEqual([
    expect.objectContaining({ content: [{ type: 'text', text: 'Filed.' }] }),
  ]);
});

test.each([
  [{ name: 'bash' }, /tools\.0\.name: the name \\"bash\\" is taken by one of Lucid's tools/],
  [{ input_schema: { type: 'array' } }, /tools\.0\.input_schema\.type/],
  [{ retry: { maximum_attempts: 0 } }, /tools\.0\.retry\.maximum_attempts/],
])(
  'a temporal_activity tool Lucid cannot run (%j) is refused with a 400 that changes nothing',
  async (change, message) => {
    const before = server.files();
    const create = client.beta.agents.create({
      name: 'broken',
      model: 'scripted-small',
      tools: [{ ...ticketTool(tickets.taskQueue), ...change }] as unknown as AgentTools,
    });
    await expect(create).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(create).rejects.toMatchObject({ message: expect.stringMatching(message) });
    expect(server.files()).toEqual(before);
  },
);
