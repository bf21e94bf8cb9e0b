/**
 * An API agent with an MCP server, run by a real worker against a real MCP server (the MCP SDK's server side on
 * loopback) and read through the official SDK: its events are the API's `agent.mcp_tool_use` /
 * `agent.mcp_tool_result`, the result naming its use event.
 */
import Anthropic from '@anthropic-ai/sdk';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startTestMcpServer, type TestMcpServer } from '../helpers/mcp-server';
import { startSessionHarness, type SessionHarness } from '../helpers/session';

type StreamedEvent = { type: string; id: string } & Record<string, unknown>;

describe('an API session with an MCP server', () => {
  let harness: SessionHarness;
  let server: TestApiServer;
  let client: Anthropic;
  let mcp: TestMcpServer;

  beforeAll(async () => {
    mcp = await startTestMcpServer();
    harness = await startSessionHarness({
      rules: [
        {
          match: { last_user_text: 'Look up T-2' },
          times: 1,
          reply: { content: [{ type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-2' } }] },
        },
        { match: { last_tool_result: 'coffee' }, reply: { content: [{ type: 'text', text: 'No coffee.' }] } },
      ],
    });
    server = await startTestApiServer({ dataDir: harness.dataDir, lucid: harness.lucid });
    client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY });
  });

  afterAll(async () => {
    await server?.close();
    await harness?.close();
    await mcp?.stop();
  });

  it('streams the MCP call in the API shapes', async () => {
    const agent = await client.beta.agents.create({
      name: 'helpdesk',
      model: 'scripted-small',
      mcp_servers: [{ type: 'url', name: 'tickets', url: mcp.url }],
      tools: [
        {
          type: 'mcp_toolset',
          mcp_server_name: 'tickets',
          default_config: { permission_policy: { type: 'always_allow' } },
        },
      ],
    });
    const environment = await client.beta.environments.create({ name: 'mcp' });
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: environment.id,
      initial_events: [{ type: 'user.message', content: [{ type: 'text', text: 'Look up T-2' }] }],
    });
    const stream = await client.beta.sessions.events.stream(session.id, {}, { query: { replay: 'true' } });
    const seen: StreamedEvent[] = [];
    for await (const item of stream) {
      const event = item as unknown as StreamedEvent;
      seen.push(event);
      if (event.type === 'session.status_idle') break;
    }
    const use = seen.find((event) => event.type === 'agent.mcp_tool_use');
    const result = seen.find((event) => event.type === 'agent.mcp_tool_result');
    expect(use).toEqual({
      id: expect.any(String),
      type: 'agent.mcp_tool_use',
      processed_at: expect.any(String),
      mcp_server_name: 'tickets',
      name: 'lookup_ticket',
      input: { id: 'T-2' },
      evaluated_permission: 'allow',
    });
    expect(result).toEqual({
      id: expect.any(String),
      type: 'agent.mcp_tool_result',
      processed_at: expect.any(String),
      mcp_tool_use_id: use!.id,
      content: [{ type: 'text', text: 'Ticket T-2: coffee machine empty' }],
      is_error: false,
    });
    expect(seen.some((event) => event.type === 'agent.tool_use')).toBe(false);
    expect(seen.filter((event) => event.type === 'agent.message').map((event) => event.content)).toEqual([
      [{ type: 'text', text: 'No coffee.' }],
    ]);
  });
});
