/**
 * Memory stores, memories and memory versions driven by the official SDK, unchanged, against a real server on a
 * loopback port and a real data directory: CRUD, the API's conflicts (409, sent once: not retried), listing with
 * depth / prefix / pages, redaction, refused input that changes nothing, and what a session then reads.
 */
import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createMemoryActivities } from '../../src/activities/memory';
import { apiKeyId } from '../../src/api/api-actor';
import { openStorage } from '../../src/storage/open-storage';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';

let server: TestApiServer;
let client: Anthropic;

beforeEach(async () => {
  server = await startTestApiServer();
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY });
});

afterEach(() => server.close());

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const apiActor = { type: 'api_actor', api_key_id: apiKeyId(TEST_API_KEY) };

/** How many requests `call` made the SDK send, after it settled. */
async function requestsSent(call: () => Promise<unknown>): Promise<number> {
  const before = server.requests();
  await call().catch(() => undefined);
  return server.requests() - before;
}

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}

test('a store is created with metadata, read, updated, listed in pages, archived and deleted', async () => {
  const store = await client.beta.memoryStores.create({
    name: 'User preferences',
    description: 'What the user likes.',
    metadata: { user: 'ana', team: 'docs' },
  });
  expect(store).toEqual({
    type: 'memory_store',
    id: expect.stringMatching(/^memstore_[A-Za-z0-9]{24}$/),
    name: 'User preferences',
    description: 'What the user likes.',
    metadata: { user: 'ana', team: 'docs' },
    created_at: expect.any(String),
    updated_at: store.created_at,
    archived_at: null,
  });
  expect(new Date(store.created_at).toISOString()).toBe(store.created_at);
  expect(await client.beta.memoryStores.retrieve(store.id)).toEqual(store);

  const updated = await client.beta.memoryStores.update(store.id, {
    name: 'Preferences',
    description: '',
    metadata: { team: null, tier: 'gold' },
  });
  expect(updated).toMatchObject({ name: 'Preferences', description: '', metadata: { user: 'ana', tier: 'gold' } });

  const second = await client.beta.memoryStores.create({ name: 'second' });
  const third = await client.beta.memoryStores.create({ name: 'third' });
  const firstPage = await client.beta.memoryStores.list({ limit: 2 });
  expect(firstPage.data.map((s) => s.id)).toEqual([third.id, second.id]);
  expect((await all(client.beta.memoryStores.list({ limit: 2 }))).map((s) => s.id)).toEqual([
    third.id,
    second.id,
    store.id,
  ]);

  const archived = await client.beta.memoryStores.archive(second.id);
  expect(archived.archived_at).not.toBeNull();
  expect((await all(client.beta.memoryStores.list())).map((s) => s.id)).toEqual([third.id, store.id]);
  expect(await all(client.beta.memoryStores.list({ include_archived: true }))).toHaveLength(3);
  await expect(client.beta.memoryStores.update(second.id, { name: 'no' })).rejects.toMatchObject({
    status: 409,
    error: { error: { type: 'conflict_error' } },
  });

  expect(await client.beta.memoryStores.delete(second.id)).toEqual({ id: second.id, type: 'memory_store_deleted' });
  await expect(client.beta.memoryStores.retrieve(second.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  await expect(client.beta.memoryStores.delete(second.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
});

test('memories are created, read, updated under a precondition, refused a stale one (409, not retried), and deleted', async () => {
  const store = await client.beta.memoryStores.create({ name: 'notes' });
  const memories = client.beta.memoryStores.memories;
  const created = await memories.create(store.id, { path: '/notes/todo.md', content: 'buy milk' });
  expect(created).toEqual({
    type: 'memory',
    id: expect.stringMatching(/^mem_[A-Za-z0-9]{24}$/),
    memory_store_id: store.id,
    path: '/notes/todo.md',
    content: null, // create answers with the basic view by default
    content_sha256: sha256('buy milk'),
    content_size_bytes: 8,
    memory_version_id: expect.stringMatching(/^memver_[A-Za-z0-9]{24}$/),
    created_at: expect.any(String),
    updated_at: created.created_at,
  });
  const read = await memories.retrieve(created.id, { memory_store_id: store.id });
  expect(read).toEqual({ ...created, content: 'buy milk' }); // retrieve: the full view

  const updated = await memories.update(created.id, {
    memory_store_id: store.id,
    content: 'buy oat milk',
    precondition: { type: 'content_sha256', content_sha256: created.content_sha256 },
    view: 'full',
  });
  expect(updated).toMatchObject({ content: 'buy oat milk', content_sha256: sha256('buy oat milk') });
  expect(updated.memory_version_id).not.toBe(created.memory_version_id);

  const stale = () =>
    memories.update(created.id, {
      memory_store_id: store.id,
      content: 'lost update',
      precondition: { type: 'content_sha256', content_sha256: created.content_sha256 },
    });
  await expect(stale()).rejects.toBeInstanceOf(Anthropic.ConflictError);
  await expect(stale()).rejects.toMatchObject({
    status: 409,
    headers: expect.anything(),
    error: { type: 'error', error: { type: 'memory_precondition_failed_error' } },
  });
  expect(await requestsSent(stale)).toBe(1); // x-should-retry: false, so the SDK sent it once
  expect((await memories.retrieve(created.id, { memory_store_id: store.id })).content).toBe('buy oat milk');

  // Asking for what is already there succeeds even with a stale hash, as in the API, and makes no version.
  const same = await memories.update(created.id, {
    memory_store_id: store.id,
    content: 'buy oat milk',
    precondition: { type: 'content_sha256', content_sha256: created.content_sha256 },
  });
  expect(same.memory_version_id).toBe(updated.memory_version_id);

  const renamed = await memories.update(created.id, { memory_store_id: store.id, path: '/notes/shopping.md' });
  expect(renamed).toMatchObject({ id: created.id, path: '/notes/shopping.md', content_sha256: sha256('buy oat milk') });

  const wrongDelete = () =>
    memories.delete(created.id, { memory_store_id: store.id, expected_content_sha256: created.content_sha256 });
  await expect(wrongDelete()).rejects.toMatchObject({
    status: 409,
    error: { error: { type: 'memory_precondition_failed_error' } },
  });
  expect(await requestsSent(wrongDelete)).toBe(1);
  const deleted = await memories.delete(created.id, {
    memory_store_id: store.id,
    expected_content_sha256: renamed.content_sha256,
  });
  expect(deleted).toEqual({ id: created.id, type: 'memory_deleted' });
  await expect(memories.retrieve(created.id, { memory_store_id: store.id })).rejects.toBeInstanceOf(
    Anthropic.NotFoundError,
  );
});

test('create is create-only: an occupied or overlapping path is a 409 memory_path_conflict_error naming the memory', async () => {
  const store = await client.beta.memoryStores.create({ name: 'notes' });
  const memories = client.beta.memoryStores.memories;
  const existing = await memories.create(store.id, { path: '/notes', content: 'a file, not a folder' });

  for (const path of ['/notes', '/notes/todo.md']) {
    const again = () => memories.create(store.id, { path, content: 'other' });
    await expect(again()).rejects.toMatchObject({
      status: 409,
      error: {
        error: {
          type: 'memory_path_conflict_error',
          conflicting_path: '/notes',
          conflicting_memory_id: existing.id,
        },
      },
    });
    expect(await requestsSent(again)).toBe(1);
  }
  // The same content again is no exception: create never overwrites.
  await expect(memories.create(store.id, { path: '/notes', content: 'a file, not a folder' })).rejects.toMatchObject({
    status: 409,
  });
  const listed = await all(memories.list(store.id, { view: 'full' }));
  expect(listed).toEqual([{ ...existing, content: 'a file, not a folder' }]);
});

test('of two creates at one path at once, one wins and the other gets the path conflict', async () => {
  const store = await client.beta.memoryStores.create({ name: 'race' });
  const results = await Promise.allSettled(
    ['first', 'second'].map((content) =>
      client.beta.memoryStores.memories.create(store.id, { path: '/x.md', content }),
    ),
  );
  const won = results.filter((result) => result.status === 'fulfilled');
  const lost = results.filter((result) => result.status === 'rejected');
  expect(won).toHaveLength(1);
  expect(lost).toHaveLength(1);
  expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({
    status: 409,
    error: { error: { type: 'memory_path_conflict_error', conflicting_path: '/x.md' } },
  });
  const winner = (won[0] as PromiseFulfilledResult<Anthropic.Beta.MemoryStores.BetaManagedAgentsMemory>).value;
  const stored = await client.beta.memoryStores.memories.retrieve(winner.id, { memory_store_id: store.id });
  expect(stored.content_sha256).toBe(winner.content_sha256);
  expect(await all(client.beta.memoryStores.memoryVersions.list(store.id))).toHaveLength(1);
});

test('list walks whole segments under path_prefix, rolls deeper ones up by depth, and pages through either', async () => {
  const store = await client.beta.memoryStores.create({ name: 'tree' });
  const memories = client.beta.memoryStores.memories;
  const paths = ['/z/deep/x.md', '/a.md', '/projects/foo/notes.md', '/projects/foo/todo.md', '/projects/bar.md'];
  for (const path of paths) await memories.create(store.id, { path, content: `content of ${path}` });
  await memories.create(store.id, { path: '/projects-old.md', content: 'not under /projects/' });

  const pathsOf = (items: { path: string; type: string }[]) => items.map((item) => `${item.type}:${item.path}`);
  expect(pathsOf(await all(memories.list(store.id, { depth: 1 })))).toEqual([
    'memory:/a.md',
    'memory:/projects-old.md',
    'memory_prefix:/projects/',
    'memory_prefix:/z/',
  ]);
  expect(pathsOf(await all(memories.list(store.id, { path_prefix: '/projects/', depth: 1 })))).toEqual([
    'memory:/projects/bar.md',
    'memory_prefix:/projects/foo/',
  ]);
  expect(pathsOf(await all(memories.list(store.id, { path_prefix: '/projects/' })))).toEqual([
    'memory:/projects/bar.md',
    'memory:/projects/foo/notes.md',
    'memory:/projects/foo/todo.md',
  ]);

  const firstPage = await memories.list(store.id, { limit: 2, depth: 1 });
  expect(pathsOf(firstPage.data)).toEqual(['memory:/a.md', 'memory:/projects-old.md']);
  expect(firstPage.next_page).toEqual(expect.any(String));
  expect(pathsOf(await all(memories.list(store.id, { limit: 2 })))).toEqual(
    [...paths, '/projects-old.md'].sort().map((path) => `memory:${path}`),
  );

  const basic = await memories.list(store.id, {});
  expect(basic.data.every((item) => item.type === 'memory' && item.content === null)).toBe(true);
  const full = await memories.list(store.id, { view: 'full', path_prefix: '/projects/foo/' });
  expect(full.data.map((item) => (item.type === 'memory' ? item.content : null))).toEqual([
    'content of /projects/foo/notes.md',
    'content of /projects/foo/todo.md',
  ]);

  await expect(memories.list(store.id, { path_prefix: '/projects' })).rejects.toMatchObject({
    status: 400,
    error: { error: { type: 'invalid_request_error', message: expect.stringMatching(/end with "\/"/) } },
  });
});

test('view=full caps a page at 20 memories, and paging still reaches them all', async () => {
  const store = await client.beta.memoryStores.create({ name: 'many' });
  for (let index = 0; index < 22; index++) {
    await client.beta.memoryStores.memories.create(store.id, {
      path: `/m${String(index).padStart(2, '0')}`,
      content: '',
    });
  }
  const page = await client.beta.memoryStores.memories.list(store.id, { view: 'full', limit: 100 });
  expect(page.data).toHaveLength(20);
  expect(await all(client.beta.memoryStores.memories.list(store.id, { view: 'full', limit: 100 }))).toHaveLength(22);
});

test('versions list newest first with filters, outlive their memory, and a past one is redacted for good', async () => {
  const store = await client.beta.memoryStores.create({ name: 'audit' });
  const memories = client.beta.memoryStores.memories;
  const versions = client.beta.memoryStores.memoryVersions;
  const memory = await memories.create(store.id, { path: '/secret.md', content: 'token sk-123' });
  const other = await memories.create(store.id, { path: '/other.md', content: 'other' });
  const fixed = await memories.update(memory.id, { memory_store_id: store.id, content: 'no secret here' });

  const history = await all(versions.list(store.id, { memory_id: memory.id }));
  expect(history.map((version) => [version.operation, version.content])).toEqual([
    ['modified', null],
    ['created', null],
  ]);
  expect(history[1]).toEqual({
    type: 'memory_version',
    id: memory.memory_version_id,
    memory_id: memory.id,
    memory_store_id: store.id,
    operation: 'created',
    path: '/secret.md',
    content: null,
    content_sha256: sha256('token sk-123'),
    content_size_bytes: 12,
    created_at: memory.created_at,
    created_by: apiActor,
    redacted_at: null,
    redacted_by: null,
  });
  expect((await all(versions.list(store.id, { limit: 1 }))).map((version) => version.id)).toEqual([
    fixed.memory_version_id,
    other.memory_version_id,
    memory.memory_version_id,
  ]);
  expect(await all(versions.list(store.id, { operation: 'modified' }))).toHaveLength(1);
  expect(await all(versions.list(store.id, { api_key_id: apiActor.api_key_id }))).toHaveLength(3);
  expect(await all(versions.list(store.id, { session_id: 'sesn_nobody' }))).toHaveLength(0);
  const full = await versions.retrieve(memory.memory_version_id, { memory_store_id: store.id });
  expect(full.content).toBe('token sk-123');

  const redactCurrent = () => versions.redact(fixed.memory_version_id, { memory_store_id: store.id });
  await expect(redactCurrent()).rejects.toMatchObject({ status: 409, error: { error: { type: 'conflict_error' } } });
  expect(await requestsSent(redactCurrent)).toBe(1);

  const redacted = await versions.redact(memory.memory_version_id, { memory_store_id: store.id });
  expect(redacted).toMatchObject({
    id: memory.memory_version_id,
    operation: 'created',
    path: null,
    content: null,
    content_sha256: null,
    content_size_bytes: null,
    created_by: apiActor,
    redacted_at: expect.any(String),
    redacted_by: apiActor,
  });
  expect(await versions.retrieve(memory.memory_version_id, { memory_store_id: store.id })).toEqual(redacted);
  expect((await memories.retrieve(memory.id, { memory_store_id: store.id })).content).toBe('no secret here');

  await memories.delete(memory.id, { memory_store_id: store.id });
  const afterDelete = await all(versions.list(store.id, { memory_id: memory.id }));
  expect(afterDelete[0]).toMatchObject({ operation: 'deleted', path: '/secret.md', content_sha256: null });
  expect(afterDelete).toHaveLength(3);
});

test('an archived store keeps its memories readable and deletable but refuses writes (409, not retried)', async () => {
  const store = await client.beta.memoryStores.create({ name: 'old' });
  const memory = await client.beta.memoryStores.memories.create(store.id, { path: '/a.md', content: 'a' });
  await client.beta.memoryStores.archive(store.id);
  const write = () => client.beta.memoryStores.memories.create(store.id, { path: '/b.md', content: 'b' });
  await expect(write()).rejects.toMatchObject({ status: 409, error: { error: { type: 'conflict_error' } } });
  expect(await requestsSent(write)).toBe(1);
  expect((await client.beta.memoryStores.memories.retrieve(memory.id, { memory_store_id: store.id })).content).toBe(
    'a',
  );
  await client.beta.memoryStores.memories.delete(memory.id, { memory_store_id: store.id });
});

test('bad input is refused with invalid_request_error and changes nothing', async () => {
  const store = await client.beta.memoryStores.create({ name: 'strict' });
  const memories = client.beta.memoryStores.memories;
  const atLimit = 'x'.repeat(102_400);
  const kept = await memories.create(store.id, { path: '/at-limit.md', content: atLimit });
  expect(kept.content_size_bytes).toBe(102_400);
  const before = server.files();
  const beforeContent = await all(memories.list(store.id, { view: 'full' }));

  const manyPairs = Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`key${index}`, 'value']));
  const refusals: [() => Promise<unknown>, RegExp][] = [
    [() => memories.create(store.id, { path: '/big.md', content: `${atLimit}y` }), /102401 bytes.*limit is 102400/],
    [() => memories.create(store.id, { path: '/big.md', content: 'é'.repeat(51_201) }), /102402 bytes/],
    [() => memories.create(store.id, { path: 'relative.md', content: 'x' }), /must start with "\/"/],
    [() => memories.create(store.id, { path: '/a//b', content: 'x' }), /empty segment/],
    [() => memories.create(store.id, { path: '/x', content: null }), /content/],
    [() => memories.create(store.id, { path: '/x', content: 'x', colour: 'red' } as never), /colour/],
    [() => client.beta.memoryStores.create({ name: 'x', owner: 'ana' } as never), /owner/],
    [() => client.beta.memoryStores.create({ name: '' }), /name/],
    [() => client.beta.memoryStores.create({ name: 'x', metadata: { ['k'.repeat(65)]: 'v' } }), /metadata/],
    [() => client.beta.memoryStores.create({ name: 'x', metadata: manyPairs }), /at most 16 metadata pairs/],
    [() => memories.list(store.id, { colour: 'red' } as never), /colour/],
    [() => memories.list(store.id, { page: 'not-a-cursor' }), /page/],
    [() => client.beta.memoryStores.retrieve('agent_123'), /not a memory store id/],
    [() => memories.retrieve('memver_123', { memory_store_id: store.id }), /not a memory id/],
    [
      () =>
        memories.update(kept.id, {
          memory_store_id: store.id,
          content: 'y',
          precondition: { type: 'content_sha256', content_sha256: 'ABC' },
        }),
      /content_sha256/,
    ],
    [() => memories.update(kept.id, { memory_store_id: store.id, content: `${atLimit}y` }), /limit is 102400/],
    [() => memories.list(store.id, { depth: -1 }), /depth/],
    [() => client.beta.memoryStores.memoryVersions.list(store.id, { operation: 'renamed' as never }), /operation/],
  ];
  for (const [call, message] of refusals) {
    const refused = call();
    await expect(refused).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(refused).rejects.toMatchObject({ error: { error: { type: 'invalid_request_error', message } } });
  }
  expect(server.files()).toEqual(before);
  expect(await all(memories.list(store.id, { view: 'full' }))).toEqual(beforeContent);
  expect(await all(client.beta.memoryStores.list())).toHaveLength(1);
});

test('a memory written over HTTP is what a session attached to the store reads', async () => {
  const store = await client.beta.memoryStores.create({ name: 'Team lessons', description: 'Lessons learned.' });
  const memory = await client.beta.memoryStores.memories.create(store.id, {
    path: '/lessons/testing.md',
    content: 'Run the linter before the final message.',
  });
  await client.beta.memoryStores.memories.update(memory.id, {
    memory_store_id: store.id,
    content: 'Run the tests, then the linter, before the final message.',
  });

  const storage = openStorage({ dataDir: server.dataDir });
  const activities = createMemoryActivities({
    memory: storage.memory,
    memoryJournal: storage.memoryJournal,
    secrets: [],
  });
  const environment = new MockActivityEnvironment();
  const context: Awaited<ReturnType<typeof activities.loadMemoryContext>> = await environment.run(
    activities.loadMemoryContext,
    {
      attachments: [{ memory_store_id: store.id, access: 'read_write' as const }],
      budget_chars: 10_000,
    },
  );
  expect(context.stores).toEqual([{ memory_store_id: store.id, name: 'Team lessons', access: 'read_write' }]);
  expect(context.prompt).toContain('Run the tests, then the linter, before the final message.');
  expect(context.prompt).not.toContain('Run the linter before the final message.');

  const viewed: Awaited<ReturnType<typeof activities.runMemoryTool>> = await environment.run(activities.runMemoryTool, {
    sessionId: 'sesn_reader',
    toolUseId: 'toolu_view1',
    stores: context.stores,
    input: { command: 'view', path: '/lessons/testing.md' },
  });
  expect(viewed).toMatchObject({ is_error: false });
  expect(viewed.content).toContain('Run the tests, then the linter, before the final message.');
});
