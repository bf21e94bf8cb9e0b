/** MCP servers on API agents, driven by the official SDK: stored, answered in the API's shapes, checked as the API does. */
import Anthropic from '@anthropic-ai/sdk';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';

let server: TestApiServer;
let client: Anthropic;

beforeEach(async () => {
  server = await startTestApiServer();
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY });
});

afterEach(() => server.close());

const tickets = { type: 'url' as const, name: 'tickets', url: 'https://mcp.example.com/mcp' };

test('an agent keeps its mcp_servers and answers its mcp_toolset resolved, always_ask by default', async () => {
  const created = await client.beta.agents.create({
    name: 'helpdesk',
    model: 'claude-sonnet-4-5',
    mcp_servers: [tickets],
    tools: [
      {
        type: 'mcp_toolset',
        mcp_server_name: 'tickets',
        configs: [
          { name: 'lookup_ticket', permission_policy: { type: 'always_allow' } },
          { name: 'delete', enabled: false },
        ],
      },
    ],
  });
  expect(created.mcp_servers).toEqual([tickets]);
  expect(created.tools).toEqual([
    {
      type: 'mcp_toolset',
      mcp_server_name: 'tickets',
      default_config: { enabled: true, permission_policy: { type: 'always_ask' } },
      configs: [
        { name: 'lookup_ticket', enabled: true, permission_policy: { type: 'always_allow' } },
        { name: 'delete', enabled: false, permission_policy: { type: 'always_ask' } },
      ],
    },
  ]);
  expect(await client.beta.agents.retrieve(created.id)).toEqual(created);

  // Full replacement, as in the API: an empty list (with the toolset gone too) removes them.
  const updated = await client.beta.agents.update(created.id, { version: 1, mcp_servers: [], tools: [] });
  expect(updated.mcp_servers).toEqual([]);
  expect(updated.tools).toEqual([]);
  expect((await client.beta.agents.retrieve(created.id, { version: 1 })).mcp_servers).toEqual([tickets]);
});

test.each([
  [{ mcp_servers: [tickets] }, /tickets.{0,2} is not referenced by an mcp_toolset/],
  [{ tools: [{ type: 'mcp_toolset', mcp_server_name: 'nope' }] }, /nope.{0,3} which is not in mcp_servers/],
  [
    { mcp_servers: [{ ...tickets, url: 'not a url' }], tools: [{ type: 'mcp_toolset', mcp_server_name: 'tickets' }] },
    /url/,
  ],
])('refuses mis-linked or malformed servers and stores nothing: %#', async (params, message) => {
  const request = client.beta.agents.create({
    name: 'x',
    model: 'm',
    ...params,
  } as Anthropic.Beta.Agents.AgentCreateParams);
  await expect(request).rejects.toMatchObject({ status: 400, message: expect.stringMatching(message) });
  expect((await client.beta.agents.list()).data).toEqual([]);
});
