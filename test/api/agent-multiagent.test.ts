/**
 * The agent's `multiagent` coordinator mapped to Lucid threads, over a real agents store: roster entries pinned to
 * versions when the agent is saved, refused (naming the field) where Lucid cannot honour them, and made into the
 * lead's inline sub-agents when a session starts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiError } from '../../src/api/api-error';
import { AgentCreateSchema } from '../../src/api/agents/agent-params';
import { AgentService } from '../../src/api/agents/agent-service';
import { runnableDefinition } from '../../src/api/sessions/session-agent';
import { FsAgentStore } from '../../src/storage/fs-agent-store';

let store: FsAgentStore;
let agents: AgentService;

beforeEach(() => {
  store = new FsAgentStore(fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-multiagent-')));
  agents = new AgentService(store);
});

const create = (params: Record<string, unknown>) => agents.create(AgentCreateSchema.parse(params));
const worker = (name: string) => create({ name, model: 'worker-model', system: `${name.toUpperCase()}-SYSTEM` });

async function refusal(params: Record<string, unknown>): Promise<string> {
  const error = await create(params).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).status).toBe(400);
  return (error as ApiError).message;
}

test('a coordinator pins each roster entry to a version: the newest for a bare id, the one asked for otherwise', async () => {
  const researcher = await worker('researcher');
  await agents.update(researcher.id, { system: 'RESEARCHER-SYSTEM v2' });
  const writer = await worker('writer');
  const lead = await create({
    name: 'lead',
    model: 'lead-model',
    multiagent: { type: 'coordinator', agents: [researcher.id, { type: 'agent', id: writer.id, version: 1 }] },
  });
  expect(lead.multiagent).toEqual({
    type: 'coordinator',
    agents: [
      { type: 'agent', id: researcher.id, version: 2 },
      { type: 'agent', id: writer.id, version: 1 },
    ],
  });
  // A roster member changed after the lead was saved does not change the lead's roster.
  await agents.update(researcher.id, { system: 'RESEARCHER-SYSTEM v3' });
  expect((await agents.retrieve(lead.id)).multiagent).toEqual(lead.multiagent);
});

test('a session of the lead runs its roster as inline sub-agents, at the pinned versions', async () => {
  const researcher = await worker('researcher');
  const writer = await worker('writer');
  const lead = await create({
    name: 'lead',
    model: 'lead-model',
    multiagent: { type: 'coordinator', agents: [researcher.id, writer.id] },
  });
  await agents.update(researcher.id, { system: 'changed after the lead pinned it' });
  const { definition, roster } = await runnableDefinition(store, (await store.get(lead.id))!.latest);
  expect(roster.map((member) => [member.id, member.version])).toEqual([
    [researcher.id, 1],
    [writer.id, 1],
  ]);
  expect(definition.subagents).toEqual([
    expect.objectContaining({ name: 'researcher', model: 'worker-model', system: 'RESEARCHER-SYSTEM' }),
    expect.objectContaining({ name: 'writer', model: 'worker-model', system: 'WRITER-SYSTEM' }),
  ]);
});

test('an agent without multiagent runs with no sub-agents', async () => {
  const solo = await worker('solo');
  const { definition, roster } = await runnableDefinition(store, (await store.get(solo.id))!.latest);
  expect(roster).toEqual([]);
  expect(definition.subagents).toBeUndefined();
});

test('what Lucid cannot honour is refused with a 400 naming the field, and nothing is stored', async () => {
  const researcher = await worker('researcher');
  const twin = await create({ name: 'researcher', model: 'other-model' });
  const archived = await worker('retired');
  await agents.archive(archived.id);
  const nested = await create({ name: 'nested', model: 'm', multiagent: { type: 'coordinator', agents: [twin.id] } });
  const before = (await store.list()).length;

  const coordinator = (...entries: unknown[]) => ({
    name: 'lead',
    model: 'm',
    multiagent: { type: 'coordinator', agents: entries },
  });
  expect(await refusal(coordinator({ type: 'self' }))).toMatch(/^multiagent\.agents\.0: .*self/);
  expect(await refusal(coordinator(researcher.id, { type: 'advisor', model: 'm' }))).toMatch(
    /^multiagent\.agents\.1: .*advisor/,
  );
  expect(await refusal(coordinator('agent_doesNotExist1'))).toMatch(/^multiagent\.agents\.0: no agent/);
  expect(await refusal(coordinator({ type: 'agent', id: researcher.id, version: 9 }))).toMatch(
    /^multiagent\.agents\.0: .*no version 9/,
  );
  expect(await refusal(coordinator(archived.id))).toMatch(/^multiagent\.agents\.0: .*archived/);
  expect(await refusal(coordinator(nested.id))).toMatch(/^multiagent\.agents\.0: .*depth limit 1/);
  expect(await refusal(coordinator(researcher.id, researcher.id))).toMatch(/^multiagent\.agents\.1: .*twice/);
  expect(await refusal(coordinator(researcher.id, twin.id))).toMatch(/^multiagent\.agents\.1: .*also named/);
  expect(
    await refusal({ name: 'lead', model: 'm', multiagent: { type: 'multiagent_20261001', subagents: {} } }),
  ).toMatch(/^multiagent\.type: /);
  expect(() => AgentCreateSchema.parse(coordinator())).toThrow(/agents/); // a roster of 1 to 20
  expect((await store.list()).length).toBe(before);
});

test('an update replaces the roster, null clears it, and an omitted multiagent keeps it', async () => {
  const researcher = await worker('researcher');
  const writer = await worker('writer');
  const lead = await create({ name: 'lead', model: 'm', multiagent: { type: 'coordinator', agents: [researcher.id] } });
  const renamed = await agents.update(lead.id, { name: 'lead-2' });
  expect(renamed.multiagent).toEqual(lead.multiagent);
  const replaced = await agents.update(lead.id, { multiagent: { type: 'coordinator', agents: [writer.id] } });
  expect(replaced.multiagent).toEqual({ type: 'coordinator', agents: [{ type: 'agent', id: writer.id, version: 1 }] });
  const cleared = await agents.update(lead.id, { multiagent: null });
  expect(cleared.multiagent).toBeNull();
  expect(cleared.version).toBe(4);
  expect(await agents.update(lead.id, { multiagent: null })).toMatchObject({ version: 4 }); // no change, no version
  // A member cannot list the agent that lists it: it would have a roster of its own... or be the agent itself.
  await expect(
    agents.update(lead.id, { multiagent: { type: 'coordinator', agents: [lead.id] } }),
  ).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/^multiagent\.agents\.0: .*itself/) });
});

test('a roster member archived after the lead was saved stops new sessions of the lead with a 400', async () => {
  const researcher = await worker('researcher');
  const lead = await create({ name: 'lead', model: 'm', multiagent: { type: 'coordinator', agents: [researcher.id] } });
  await agents.archive(researcher.id);
  await expect(runnableDefinition(store, (await store.get(lead.id))!.latest)).rejects.toMatchObject({
    status: 400,
    message: expect.stringMatching(/^agent\.multiagent\.agents\.0: .*archived/),
  });
});
