/**
 * The agent lifecycle driven by the official SDK, unchanged, against a real server on a loopback port:
 * create → retrieve → update → a stale update (409, not retried) → list with paging → archive → versions.
 */
import Anthropic from '@anthropic-ai/sdk';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';

let server: TestApiServer;
let client: Anthropic;

beforeEach(async () => {
  server = await startTestApiServer();
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY });
});

afterEach(() => server.close());

const toolset = { type: 'agent_toolset_20260401' as const, configs: [{ name: 'bash' as const, enabled: false }] };

test('an agent is created, read, updated under its version, refused a stale version, archived, and keeps its versions', async () => {
  const created = await client.beta.agents.create({
    name: 'scribe',
    model: 'claude-sonnet-4-5',
    system: 'You keep tidy notes.',
    tools: [toolset],
    metadata: { team: 'docs' },
  });
  expect(created).toMatchObject({
    type: 'agent',
    version: 1,
    name: 'scribe',
    model: { id: 'claude-sonnet-4-5' },
    system: 'You keep tidy notes.',
    description: null,
    metadata: { team: 'docs' },
    mcp_servers: [],
    skills: [],
    multiagent: null,
    archived_at: null,
  });
  expect(created.id).toMatch(/^agent_[A-Za-z0-9]{24}$/);
  expect(new Date(created.created_at).toISOString()).toBe(created.created_at);
  const bash = created.tools[0].type === 'agent_toolset_20260401' ? created.tools[0].configs : [];
  expect(bash.find((config) => config.name === 'bash')).toMatchObject({ enabled: false });

  expect(await client.beta.agents.retrieve(created.id)).toEqual(created);

  const updated = await client.beta.agents.update(created.id, {
    version: 1,
    system: 'You keep very tidy notes.',
    metadata: { team: null, owner: 'ops' },
  });
  expect(updated).toMatchObject({ version: 2, system: 'You keep very tidy notes.', metadata: { owner: 'ops' } });
  expect(updated.created_at).toBe(created.created_at);

  const before = server.requests();
  const stale = client.beta.agents.update(created.id, { version: 1, system: 'Lost update' });
  await expect(stale).rejects.toBeInstanceOf(Anthropic.ConflictError);
  await expect(stale).rejects.toMatchObject({
    status: 409,
    error: { type: 'error', error: { type: 'conflict_error' } },
  });
  expect(server.requests() - before).toBe(1); // x-should-retry: false, so the SDK sent it once
  expect((await client.beta.agents.retrieve(created.id)).system).toBe('You keep very tidy notes.');

  expect(await client.beta.agents.retrieve(created.id, { version: 1 })).toEqual(created);
  const unchanged = await client.beta.agents.update(created.id, { system: 'You keep very tidy notes.' });
  expect(unchanged).toEqual(await client.beta.agents.retrieve(created.id)); // nothing changed: no version 3
  expect(unchanged.version).toBe(2);

  const archived = await client.beta.agents.archive(created.id);
  expect(archived.archived_at).not.toBeNull();
  expect(archived.version).toBe(2);

  const versions = [];
  for await (const version of client.beta.agents.versions.list(created.id)) versions.push(version);
  expect(versions.map((version) => [version.version, version.system])).toEqual([
    [2, 'You keep very tidy notes.'],
    [1, 'You keep tidy notes.'],
  ]);

  const again = client.beta.agents.update(created.id, { system: 'after archive' });
  await expect(again).rejects.toBeInstanceOf(Anthropic.BadRequestError);
});

test('list pages through every agent newest first, and archived ones only when asked', async () => {
  const names = ['a1', 'a2', 'a3', 'a4', 'a5'];
  const ids: string[] = [];
  for (const name of names) ids.push((await client.beta.agents.create({ name, model: 'claude-haiku-4-5' })).id);
  await client.beta.agents.archive(ids[2]);

  const first = await client.beta.agents.list({ limit: 2 });
  expect(first.data.map((agent) => agent.name)).toEqual(['a5', 'a4']);
  expect(first.next_page).toEqual(expect.any(String));
  expect(first.hasNextPage()).toBe(true);

  const seen: string[] = [];
  for await (const agent of client.beta.agents.list({ limit: 2 })) seen.push(agent.name);
  expect(seen).toEqual(['a5', 'a4', 'a2', 'a1']);

  const first2 = await client.beta.agents.retrieve(ids[1]);
  const early = await client.beta.agents.list({ 'created_at[lte]': first2.created_at });
  expect(early.data.map((agent) => agent.name)).toEqual(['a2', 'a1']);

  const all: string[] = [];
  for await (const agent of client.beta.agents.list({ limit: 3, include_archived: true })) all.push(agent.name);
  expect(all).toEqual(['a5', 'a4', 'a3', 'a2', 'a1']);
});

test('what Lucid cannot honour is refused with a message saying so, and nothing is stored', async () => {
  const refusals: [Anthropic.Beta.Agents.AgentCreateParams, RegExp][] = [
    [{ name: 'x', model: 'm', skills: [{ type: 'anthropic', skill_id: 'xlsx' }] }, /skills/],
    [{ name: 'x', model: 'm', mcp_servers: [{ type: 'url', name: 'gh', url: 'https://example.com' }] }, /mcp_servers/],
    [{ name: 'x', model: { id: 'm', effort: 'high' } }, /model\.effort/],
    [
      {
        name: 'x',
        model: 'm',
        tools: [{ type: 'custom', name: 't', description: 'd', input_schema: { type: 'string' } as never }],
      },
      /input_schema must be an object schema/,
    ],
    [{ name: 'x', model: 'm', multiagent: { type: 'coordinator', agents: [{ type: 'self' }] } }, /multiagent/],
    [
      { name: 'x', model: 'm', multiagent: { type: 'coordinator', agents: ['agent_doesNotExist1'] } },
      /^multiagent\.agents\.0: no agent agent_doesNotExist1$/,
    ],
    [{ name: 'x', model: 'm', multiagent: { type: 'coordinator', agents: [] } }, /multiagent\.agents/],
    [{ name: 'x', model: 'm', multiagent: { type: 'multiagent_20261001' } }, /^multiagent\.type: /],
    [{ name: 'two words', model: 'm' }, /name/],
  ];
  for (const [params, message] of refusals) {
    const refused = client.beta.agents.create(params);
    await expect(refused).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(refused).rejects.toMatchObject({ error: { error: { type: 'invalid_request_error', message } } });
  }
  expect(server.files()).toEqual([]);
});

test('of two updates at once under the same version one wins; without a version both apply, one after the other', async () => {
  const agent = await client.beta.agents.create({ name: 'racer', model: 'claude-haiku-4-5' });
  const guarded = await Promise.allSettled([
    client.beta.agents.update(agent.id, { version: 1, system: 'first' }),
    client.beta.agents.update(agent.id, { version: 1, system: 'second' }),
  ]);
  const won = guarded.filter((result) => result.status === 'fulfilled');
  const lost = guarded.filter((result) => result.status === 'rejected');
  expect(won).toHaveLength(1);
  expect(lost).toHaveLength(1);
  expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(Anthropic.ConflictError);

  const open = await Promise.all([
    client.beta.agents.update(agent.id, { metadata: { a: '1' } }),
    client.beta.agents.update(agent.id, { metadata: { b: '2' } }),
  ]);
  expect(open.map((result) => result.version).sort()).toEqual([3, 4]);
  const latest = await client.beta.agents.retrieve(agent.id);
  expect(latest).toMatchObject({ version: 4, metadata: { a: '1', b: '2' } });
});
