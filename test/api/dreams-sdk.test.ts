/**
 * Dreams driven by the official SDK, unchanged, against a real server on a real worker and Temporal, with the
 * scripted model as agent and dreamer: a dream over finished sessions polled to completion with its changes in
 * the store; Lucid's human review over HTTP; the held-store conflict; cancel; archive; list; refused input.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { BetaDream, DreamCreateParams } from '@anthropic-ai/sdk/resources/beta/dreams';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { DreamChangeObject } from '../../src/api/dreams/dream-change-object';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { addChange, changesReply, lessonsReply } from '../helpers/dream-replies';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

type LucidDream = BetaDream & { review: 'auto' | 'human'; phase: string };

const agent: AgentDefinition = {
  name: 'note-taker',
  model: 'agent-model',
  system: 'AGENT-SYSTEM',
  tools: [],
  max_turns: 3,
  max_tokens: 256,
};

let harness: SessionHarness;
let server: TestApiServer;
let client: Anthropic;

beforeAll(async () => {
  harness = await startSessionHarness({ rules: [] });
  server = await startTestApiServer({ lucid: harness.lucid });
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY });
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

/** The dreamer proposes adding these memories; the agent answers anything else. */
function dreamerProposes(changes: Array<Record<string, unknown>>): void {
  harness.model.setScenario({
    rules: [
      lessonsReply('Notes need dates.'),
      changesReply(changes),
      { match: {}, reply: { content: [{ type: 'text', text: 'noted' }] } },
    ],
  });
}

async function finishedSession(message: string): Promise<string> {
  const sessionId = await harness.lucid.startSession({ agent, message });
  await harness.lucid.result(sessionId);
  return sessionId;
}

async function newStore(name: string): Promise<string> {
  return (await harness.storage.memory.createStore({ name })).id;
}

function dreamParams(storeId: string, sessionIds: string[], extra: Record<string, unknown> = {}): DreamCreateParams {
  return {
    inputs: [
      { type: 'sessions', session_ids: sessionIds },
      { type: 'memory_store', memory_store_id: storeId },
    ],
    model: 'dream-model',
    ...extra,
  } as DreamCreateParams;
}

async function untilDream(id: string, done: (dream: LucidDream) => boolean, what: string): Promise<LucidDream> {
  let dream = (await client.beta.dreams.retrieve(id)) as LucidDream;
  await waitFor(async () => done((dream = (await client.beta.dreams.retrieve(id)) as LucidDream)), what);
  return dream;
}

const ended = (dream: BetaDream) => ['completed', 'failed', 'canceled'].includes(dream.status);

async function pathsIn(storeId: string): Promise<string[]> {
  return (await harness.storage.memory.listMemories(storeId)).map((memory) => memory.path);
}

test('a dream over finished sessions runs to completion and writes a new store, leaving its input as it was', async () => {
  dreamerProposes([addChange('/notes/dates.md', 'Date every note.')]);
  const sessions = [await finishedSession('note one'), await finishedSession('note two')];
  const storeId = await newStore('notes');

  const created = (await client.beta.dreams.create({
    ...dreamParams(storeId, sessions),
    model: { id: 'dream-model', speed: 'standard' },
    instructions: 'Look for missing dates.',
  })) as LucidDream;
  expect(created).toMatchObject({
    type: 'dream',
    status: 'pending',
    inputs: [
      { type: 'memory_store', memory_store_id: storeId },
      { type: 'sessions', session_ids: [...sessions].sort() },
    ],
    model: { id: 'dream-model', speed: 'standard' },
    instructions: 'Look for missing dates.',
    output_behavior: { type: 'create_new' },
    outputs: [],
    session_id: null,
    usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    error: null,
    ended_at: null,
    archived_at: null,
    review: 'auto',
  });
  expect(created.id).toMatch(/^drm_[A-Za-z0-9]{24}$/);
  expect(new Date(created.created_at).toISOString()).toBe(created.created_at);

  const done = await untilDream(created.id, ended, 'the dream to end');
  expect(done).toMatchObject({ status: 'completed', phase: 'done', error: null, created_at: created.created_at });
  expect(done.usage.output_tokens).toBeGreaterThan(0);
  expect(Date.parse(done.ended_at!)).toBeGreaterThanOrEqual(Date.parse(done.created_at));
  expect(done.outputs).toEqual([{ type: 'memory_store', memory_store_id: expect.stringMatching(/^memstore_/) }]);
  const output = done.outputs[0].memory_store_id;
  expect(output).not.toBe(storeId);
  expect(await pathsIn(output)).toEqual(['/notes/dates.md']);
  expect((await harness.storage.memory.getMemoryByPath(output, '/notes/dates.md')).content).toBe('Date every note.');
  expect(await pathsIn(storeId)).toEqual([]);
});

test('update_existing writes into the input store, and a second one while the first holds it is a 409 not retried', async () => {
  dreamerProposes([addChange('/held.md', 'held')]);
  const sessionId = await finishedSession('hold it');
  const storeId = await newStore('held');
  const updateExisting = { output_behavior: { type: 'update_existing', memory_store_id: storeId } };

  const holder = await client.beta.dreams.create(
    dreamParams(storeId, [sessionId], { ...updateExisting, review: 'human' }),
  );
  await untilDream(holder.id, (dream) => dream.phase === 'awaiting_review', 'the first dream to await review');

  const before = server.requests();
  const second = client.beta.dreams.create(dreamParams(storeId, [sessionId], updateExisting));
  await expect(second).rejects.toBeInstanceOf(Anthropic.ConflictError);
  await expect(second).rejects.toMatchObject({
    status: 409,
    error: { type: 'error', error: { type: 'conflict_error', message: expect.stringContaining(holder.id) } },
  });
  const refusal = (await second.catch((error: unknown) => error)) as InstanceType<typeof Anthropic.ConflictError>;
  expect(refusal.headers.get('x-should-retry')).toBe('false');
  expect(server.requests() - before).toBe(1);

  await client.beta.dreams.cancel(holder.id);
  const applied = await client.beta.dreams.create(dreamParams(storeId, [sessionId], updateExisting));
  expect(applied.output_behavior).toEqual({ type: 'update_existing', memory_store_id: storeId });
  const done = await untilDream(applied.id, ended, 'the update_existing dream to end');
  expect(done).toMatchObject({ status: 'completed', outputs: [{ type: 'memory_store', memory_store_id: storeId }] });
  expect(await pathsIn(storeId)).toEqual(['/held.md']);
});

test('review "human": the changes are listed, approved and rejected over HTTP, and only the approved one is applied', async () => {
  dreamerProposes([addChange('/keep.md', 'keep'), addChange('/drop.md', 'drop'), addChange('/late.md', 'late')]);
  const sessionId = await finishedSession('three lessons');
  const storeId = await newStore('reviewed');
  const created = await client.beta.dreams.create(
    dreamParams(storeId, [sessionId], {
      review: 'human',
      output_behavior: { type: 'update_existing', memory_store_id: storeId },
    }),
  );
  expect((created as LucidDream).review).toBe('human');
  const waiting = await untilDream(created.id, (dream) => dream.phase === 'awaiting_review', 'review');
  expect(waiting.status).toBe('running');

  const changes = `/v1/dreams/${created.id}/changes`;
  const firstPage = await client.get<{ data: DreamChangeObject[]; next_page: string | null }>(changes, {
    query: { limit: 2 },
  });
  expect(firstPage.data.map((change) => [change.type, change.dream_id, change.status])).toEqual([
    ['dream_change', created.id, 'pending'],
    ['dream_change', created.id, 'pending'],
  ]);
  const rest = await client.get<{ data: DreamChangeObject[]; next_page: string | null }>(changes, {
    query: { limit: 2, page: firstPage.next_page },
  });
  expect(rest.next_page).toBeNull();
  const all = [...firstPage.data, ...rest.data];
  const idOf = (filePath: string) => all.find((change) => 'path' in change && change.path === filePath)!.id;
  expect(all.find((change) => change.id === idOf('/keep.md'))!.diff).toContain('+keep');
  // Each change carries the provenance Lucid found at its cited seq (lessonsReply cites #1, the user's message).
  expect(all.map((change) => [change.trusted, change.provenance])).toEqual(
    all.map(() => [true, [{ session_id: sessionId, seq: 1, kind: 'user_message' }]]),
  );

  const approved = await client.post<DreamChangeObject>(`${changes}/${idOf('/keep.md')}/approve`, {
    body: { by: 'ana', comment: 'yes' },
  });
  expect(approved).toMatchObject({
    type: 'dream_change',
    id: idOf('/keep.md'),
    status: 'approved',
    decision: { by: 'ana', comment: 'yes', at: expect.any(String) },
  });
  const again = client.post(`${changes}/${idOf('/keep.md')}/reject`, { body: {} });
  await expect(again).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  await expect(again).rejects.toMatchObject({
    error: { error: { message: expect.stringContaining('already approved') } },
  });
  await expect(client.post(`${changes}/chg_99/approve`, { body: {} })).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  await expect(client.post(`${changes}/${idOf('/drop.md')}/reject`, { body: { extra: 1 } })).rejects.toBeInstanceOf(
    Anthropic.BadRequestError,
  );

  const rejected = await client.post<DreamChangeObject>(`${changes}/${idOf('/drop.md')}/reject`, {
    body: { by: 'ben' },
  });
  expect(rejected).toMatchObject({ status: 'rejected', decision: { by: 'ben', comment: null } });
  const pending = await client.get<{ data: DreamChangeObject[] }>(changes, {
    query: { statuses: ['pending'] },
  });
  expect(pending.data.map((change) => change.id)).toEqual([idOf('/late.md')]);
  const bulk = await client.post<{ data: DreamChangeObject[] }>(`${changes}/reject_all`, {
    body: { by: 'cy', comment: 'later' },
  });
  expect(bulk.data.map((change) => [change.id, change.status])).toEqual([[idOf('/late.md'), 'rejected']]);

  const done = await untilDream(created.id, ended, 'the reviewed dream to end');
  expect(done.status).toBe('completed');
  expect(await pathsIn(storeId)).toEqual(['/keep.md']);
  const final = await client.get<DreamChangeObject>(`${changes}/${idOf('/keep.md')}`);
  expect(final).toMatchObject({ status: 'applied', decision: { by: 'ana' } });
  const late = client.post(`${changes}/reject_all`, { body: {} });
  await expect(late).rejects.toMatchObject({ status: 400, error: { error: { message: /not awaiting review/ } } });
});

test('cancel stops a dream awaiting review and applies nothing; a canceled dream cancels unchanged, a completed one not at all', async () => {
  dreamerProposes([addChange('/never.md', 'never')]);
  const sessionId = await finishedSession('cancel me');
  const storeId = await newStore('canceled');
  const created = await client.beta.dreams.create(
    dreamParams(storeId, [sessionId], {
      review: 'human',
      output_behavior: { type: 'update_existing', memory_store_id: storeId },
    }),
  );
  await untilDream(created.id, (dream) => dream.phase === 'awaiting_review', 'review');

  const canceled = await client.beta.dreams.cancel(created.id);
  expect(canceled).toMatchObject({ status: 'canceled', ended_at: expect.any(String), error: null });
  expect(await client.beta.dreams.cancel(created.id)).toEqual(canceled);
  expect(await client.beta.dreams.retrieve(created.id)).toEqual(canceled);
  expect(await pathsIn(storeId)).toEqual([]);

  const completed = await client.beta.dreams.create(dreamParams(storeId, [sessionId]));
  await untilDream(completed.id, ended, 'the second dream to end');
  const refused = client.beta.dreams.cancel(completed.id);
  await expect(refused).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  await expect(refused).rejects.toMatchObject({ error: { error: { message: /is completed/ } } });
});

test('archive hides an ended dream from the list, keeps it retrievable, and is refused while it runs', async () => {
  dreamerProposes([addChange('/a.md', 'a')]);
  const sessionId = await finishedSession('archive me');
  const storeId = await newStore('archived');
  const running = await client.beta.dreams.create(dreamParams(storeId, [sessionId], { review: 'human' }));
  await untilDream(running.id, (dream) => dream.phase === 'awaiting_review', 'review');
  const early = client.beta.dreams.archive(running.id);
  await expect(early).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  await expect(early).rejects.toMatchObject({ error: { error: { message: /cancel it before archiving/ } } });

  await client.beta.dreams.cancel(running.id);
  const archived = await client.beta.dreams.archive(running.id);
  expect(archived).toMatchObject({ id: running.id, status: 'canceled', archived_at: expect.any(String) });
  expect(await client.beta.dreams.archive(running.id)).toEqual(archived);
  expect(await client.beta.dreams.retrieve(running.id)).toEqual(archived);

  const listed: string[] = [];
  for await (const dream of client.beta.dreams.list()) listed.push(dream.id);
  expect(listed).not.toContain(running.id);
  const withArchived: string[] = [];
  for await (const dream of client.beta.dreams.list({ include_archived: true })) withArchived.push(dream.id);
  expect(withArchived).toContain(running.id);
});

test('list pages newest first, with the status and created_at filters', async () => {
  dreamerProposes([addChange('/l.md', 'l')]);
  const sessionId = await finishedSession('list me');
  const storeId = await newStore('listed');
  const ids: string[] = [];
  for (let index = 0; index < 3; index++) {
    const dream = await client.beta.dreams.create(dreamParams(storeId, [sessionId]));
    ids.push(dream.id);
    await untilDream(dream.id, ended, `dream ${index} to end`);
  }
  const newest = await Promise.all(ids.map((id) => client.beta.dreams.retrieve(id)));

  const first = await client.beta.dreams.list({ limit: 2 });
  expect(first.data.map((dream) => dream.id)).toEqual([ids[2], ids[1]]);
  expect(first.next_page).toEqual(expect.any(String));
  const paged: string[] = [];
  for await (const dream of client.beta.dreams.list({ limit: 2, 'created_at[gt]': newest[0].created_at })) {
    paged.push(dream.id);
  }
  expect(paged).toEqual([ids[2], ids[1]]);
  const before = await client.beta.dreams.list({ 'created_at[lt]': newest[1].created_at, limit: 100 });
  expect(before.data.map((dream) => dream.id)).toContain(ids[0]);
  expect(before.data.map((dream) => dream.id)).not.toContain(ids[1]);

  const completed = await client.beta.dreams.list({ statuses: ['completed'], limit: 100 });
  expect(completed.data.every((dream) => dream.status === 'completed')).toBe(true);
  expect(completed.data.map((dream) => dream.id)).toEqual(expect.arrayContaining(ids));
  const canceledOrFailed = await client.beta.dreams.list({ statuses: ['canceled', 'failed'], limit: 100 });
  expect(canceledOrFailed.data.map((dream) => dream.id)).not.toContain(ids[0]);
  await expect(client.beta.dreams.list({ page: 'not-a-cursor' })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
});

test('bad input is refused with the API error and starts nothing: unknown fields, ids, stores and sessions', async () => {
  dreamerProposes([]);
  const sessionId = await finishedSession('refusals');
  const storeId = await newStore('refusals');
  const archivedStore = await newStore('archived store');
  await harness.storage.memory.archiveStore(archivedStore);
  const dreamsBefore = (await harness.storage.dreams.listApiRecords()).length;
  const filesBefore = server.files();

  const refusals: Array<[DreamCreateParams, 400 | 404, RegExp]> = [
    [dreamParams(storeId, [sessionId], { surprise: true }), 400, /surprise/],
    [dreamParams(storeId, [sessionId], { review: 'sometimes' }), 400, /review/],
    [dreamParams(storeId, ['sesn_nosuchsession']), 404, /no session sesn_nosuchsession/],
    [dreamParams('memstore_nosuchstore', [sessionId]), 404, /no memory store memstore_nosuchstore/],
    [dreamParams(archivedStore, [sessionId]), 400, /archived/],
    [dreamParams('store-1', [sessionId]), 400, /memory store id/],
    [dreamParams(storeId, ['../etc']), 400, /session id/],
    [dreamParams(storeId, [sessionId, sessionId]), 400, /unique/],
    [dreamParams(storeId, []), 400, /session_ids/],
    [dreamParams(storeId, [sessionId], { model: { id: 'dream-model', speed: 'fast' } }), 400, /standard/],
    [dreamParams(storeId, [sessionId], { instructions: '' }), 400, /instructions/],
    [
      dreamParams(storeId, [sessionId], {
        output_behavior: { type: 'update_existing', memory_store_id: archivedStore },
      }),
      400,
      /must be the input memory store/,
    ],
    [
      { inputs: [{ type: 'memory_store', memory_store_id: storeId }], model: 'dream-model' },
      400,
      /exactly one \{"type": "sessions"\}/,
    ],
  ];
  for (const [params, status, message] of refusals) {
    const refused = client.beta.dreams.create(params);
    const type = status === 400 ? 'invalid_request_error' : 'not_found_error';
    await expect(refused).rejects.toMatchObject({ status, error: { type: 'error', error: { type, message } } });
  }
  expect((await harness.storage.dreams.listApiRecords()).length).toBe(dreamsBefore);
  expect(server.files()).toEqual(filesBefore);

  await expect(client.beta.dreams.retrieve('drm_nosuchdream')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  await expect(client.beta.dreams.retrieve('not-a-dream')).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  await expect(client.beta.dreams.list({ statuses: ['dreaming' as 'pending'] })).rejects.toBeInstanceOf(
    Anthropic.BadRequestError,
  );
});

test('a dream started outside the API is read and listed through it; one terminated from Temporal reads as failed', async () => {
  dreamerProposes([addChange('/cli.md', 'from the CLI')]);
  const sessionId = await finishedSession('outside');
  const storeId = await newStore('outside');
  const outside = await harness.lucid.startDream({
    memory_store_id: storeId,
    sessions: { type: 'session_ids', session_ids: [sessionId] },
    model: 'dream-model',
    review: 'human',
    output_behavior: { type: 'update_existing' },
  });
  const waiting = await untilDream(outside, (dream) => dream.phase === 'awaiting_review', 'the outside dream');
  expect(waiting).toMatchObject({
    id: outside,
    status: 'running',
    review: 'human',
    output_behavior: { type: 'update_existing', memory_store_id: storeId },
    archived_at: null,
  });
  const listed: string[] = [];
  for await (const dream of client.beta.dreams.list({ statuses: ['running'] })) listed.push(dream.id);
  expect(listed).toContain(outside);

  // The Temporal CLI could do this; the dream never records an end, so the API shows why it stopped.
  await harness.temporal.client.workflow.getHandle(outside).terminate('by hand');
  const terminated = await client.beta.dreams.retrieve(outside);
  expect(terminated).toMatchObject({
    status: 'failed',
    error: { type: 'internal_error', message: expect.stringContaining('terminated') },
    ended_at: expect.any(String),
  });
  const archived = await client.beta.dreams.archive(outside);
  expect(archived).toMatchObject({ status: 'failed', archived_at: expect.any(String), created_at: waiting.created_at });
  expect(await pathsIn(storeId)).toEqual([]);
});
