/**
 * Environments driven by the official SDK, unchanged, against a real server on a loopback port: create →
 * retrieve → update → list with paging → archive → delete, and every config Lucid's sandbox cannot honour
 * refused with a 400 naming the field, storing nothing.
 */
import Anthropic from '@anthropic-ai/sdk';
import { EnvironmentService } from '../../src/api/environments/environment-service';
import { environmentSandbox } from '../../src/domain/environment-sandbox';
import { openStorage } from '../../src/storage/open-storage';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';

let server: TestApiServer;
let client: Anthropic;

beforeEach(async () => {
  server = await startTestApiServer();
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY });
});

afterEach(() => server.close());

const EMPTY_PACKAGES = { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };

test('an environment is created, read, updated, archived (then refuses updates) and deleted', async () => {
  const created = await client.beta.environments.create({
    name: 'data-analysis',
    description: 'pip from the index only',
    metadata: { team: 'data' },
    config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['PyPI.org', '*.pythonhosted.org'] } },
  });
  expect(created).toEqual({
    type: 'environment',
    id: expect.stringMatching(/^env_[A-Za-z0-9]{24}$/),
    name: 'data-analysis',
    description: 'pip from the index only',
    metadata: { team: 'data' },
    config: {
      type: 'cloud',
      networking: {
        type: 'limited',
        allowed_hosts: ['pypi.org', '*.pythonhosted.org'],
        allow_mcp_servers: false,
        allow_package_managers: false,
      },
      packages: EMPTY_PACKAGES,
    },
    scope: 'organization',
    created_at: expect.any(String),
    updated_at: created.created_at,
    archived_at: null,
  });
  expect(new Date(created.created_at).toISOString()).toBe(created.created_at);
  expect(await client.beta.environments.retrieve(created.id)).toEqual(created);

  const renamed = await client.beta.environments.update(created.id, {
    name: 'analysis',
    metadata: { team: null, owner: 'ops' },
  });
  expect(renamed).toMatchObject({ name: 'analysis', metadata: { owner: 'ops' }, config: created.config });
  expect(renamed.updated_at > created.updated_at).toBe(true);

  const offline = await client.beta.environments.update(created.id, {
    description: null,
    config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: null } },
  });
  expect(offline.description).toBeNull();
  expect(offline.config).toMatchObject({ networking: { type: 'limited', allowed_hosts: [] } });
  expect(await client.beta.environments.update(created.id, {})).toEqual(offline); // no change, no new updated_at

  const archived = await client.beta.environments.archive(created.id);
  expect(archived.archived_at).toEqual(expect.any(String));
  expect((await client.beta.environments.archive(created.id)).archived_at).toBe(archived.archived_at);
  const refused = client.beta.environments.update(created.id, { name: 'after-archive' });
  await expect(refused).rejects.toBeInstanceOf(Anthropic.Beta.Environments.BetaEnvironmentArchivedError);
  expect((await client.beta.environments.retrieve(created.id)).name).toBe('analysis');

  expect(await client.beta.environments.delete(created.id)).toEqual({ id: created.id, type: 'environment_deleted' });
  await expect(client.beta.environments.retrieve(created.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  await expect(client.beta.environments.delete(created.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  expect(server.files()).toEqual([]);
});

test('an environment that names no networking has no network at all', async () => {
  const bare = await client.beta.environments.create({ name: 'bare' });
  expect(bare.config).toEqual({
    type: 'cloud',
    networking: { type: 'limited', allowed_hosts: [], allow_mcp_servers: false, allow_package_managers: false },
    packages: EMPTY_PACKAGES,
  });
  expect(bare.description).toBeNull();
});

test('list pages through environments newest first, and archived ones only when asked', async () => {
  const ids: string[] = [];
  for (const name of ['e1', 'e2', 'e3', 'e4', 'e5']) ids.push((await client.beta.environments.create({ name })).id);
  await client.beta.environments.archive(ids[1]);

  const first = await client.beta.environments.list({ limit: 2 });
  expect(first.data.map((environment) => environment.name)).toEqual(['e5', 'e4']);
  expect(first.next_page).toEqual(expect.any(String));

  const seen: string[] = [];
  for await (const environment of client.beta.environments.list({ limit: 2 })) seen.push(environment.name);
  expect(seen).toEqual(['e5', 'e4', 'e3', 'e1']);

  const all: string[] = [];
  for await (const environment of client.beta.environments.list({ limit: 3, include_archived: true })) {
    all.push(environment.name);
  }
  expect(all).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
});

test('what the sandbox cannot honour is refused with a 400 naming the field, and nothing is stored', async () => {
  const refusals: [Anthropic.Beta.Environments.EnvironmentCreateParams, RegExp][] = [
    [
      { name: 'x', config: { type: 'cloud', networking: { type: 'unrestricted' } } },
      /^config\.networking: unrestricted/,
    ],
    [{ name: 'x', config: { type: 'self_hosted' } }, /^config\.type: self_hosted/],
    [{ name: 'x', config: { type: 'cloud', packages: { pip: ['pandas'] } } }, /^config\.packages\.pip:/],
    [
      { name: 'x', config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: true } } },
      /^config\.networking\.allow_package_managers:/,
    ],
    [
      { name: 'x', config: { type: 'cloud', networking: { type: 'limited', allow_mcp_servers: true } } },
      /^config\.networking\.allow_mcp_servers:/,
    ],
    [
      {
        name: 'x',
        config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['ok.org', 'not a host'] } },
      },
      /^config\.networking\.allowed_hosts\.1: "not a host"/,
    ],
    [{ name: 'x', scope: 'account' }, /^scope:/],
    [{ name: '' }, /name/],
    [{ name: 'x', limits: { cpu: 2 } } as never, /limits/],
    [{ name: 'x', config: { type: 'cloud', networking: { type: 'limited', allowlist: [] } } } as never, /allowlist/],
  ];
  for (const [params, message] of refusals) {
    const refused = client.beta.environments.create(params);
    await expect(refused).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(refused).rejects.toMatchObject({ error: { error: { type: 'invalid_request_error', message } } });
  }
  expect(server.files()).toEqual([]);

  const kept = await client.beta.environments.create({ name: 'kept' });
  const stored = server.files();
  const update = client.beta.environments.update(kept.id, {
    name: 'changed',
    config: { type: 'cloud', networking: { type: 'unrestricted' } },
  });
  await expect(update).rejects.toMatchObject({ status: 400, error: { error: { message: /^config\.networking/ } } });
  expect(await client.beta.environments.retrieve(kept.id)).toEqual(kept);
  expect(server.files()).toEqual(stored);
});

test('ids that are not environment ids are refused; unknown ones are 404s', async () => {
  await expect(client.beta.environments.retrieve('agent_abc')).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  await expect(client.beta.environments.retrieve('env_unknown')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  await expect(client.beta.environments.archive('env_unknown')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  await expect(client.beta.environments.update('env_unknown', { name: 'x' })).rejects.toBeInstanceOf(
    Anthropic.NotFoundError,
  );
});

test('concurrent metadata updates all apply', async () => {
  const environment = await client.beta.environments.create({ name: 'busy' });
  await Promise.all(
    ['a', 'b', 'c', 'd'].map((key) => client.beta.environments.update(environment.id, { metadata: { [key]: key } })),
  );
  expect((await client.beta.environments.retrieve(environment.id)).metadata).toEqual({
    a: 'a',
    b: 'b',
    c: 'c',
    d: 'd',
  });
});

test('a body of another content type is a 400 and one over the body limit a 413, storing nothing', async () => {
  const small = await startTestApiServer({ bodyLimit: 1024 });
  try {
    const post = (body: string, contentType: string) =>
      fetch(`${small.baseURL}/v1/environments`, {
        method: 'POST',
        body,
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': contentType },
      });
    const text = await post(JSON.stringify({ name: 'x' }), 'text/plain');
    expect(text.status).toBe(400);
    expect(((await text.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const big = await post(JSON.stringify({ name: 'x', description: 'd'.repeat(2000) }), 'application/json');
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { type: string } }).error.type).toBe('request_too_large');
    expect(small.files()).toEqual([]);
  } finally {
    await small.close();
  }
});

test('a new session may use an environment that exists and is not archived', async () => {
  const service = new EnvironmentService(openStorage({ dataDir: server.dataDir }).environments);
  const environment = await client.beta.environments.create({
    name: 'for-sessions',
    config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['pypi.org'] } },
  });
  const usable = await service.forNewSession(environment.id);
  expect(environmentSandbox(usable.config)).toEqual({ allowedHosts: ['pypi.org'] });
  await client.beta.environments.archive(environment.id);
  await expect(service.forNewSession(environment.id)).rejects.toMatchObject({ status: 400, message: /archived/ });
  await expect(service.forNewSession('env_None')).rejects.toMatchObject({ status: 404 });
});

test('single-environment routes take no query parameters', async () => {
  const environment = await client.beta.environments.create({ name: 'q' });
  const response = await fetch(`${server.baseURL}/v1/environments/${environment.id}?verbose=true`, {
    headers: { authorization: `Bearer ${TEST_API_KEY}` },
  });
  expect(response.status).toBe(400);
  expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/^query: .*verbose/);
});
