/**
 * `client.beta.sessions.resources`, driven by the official SDK against a real server and a real worker (the
 * scripted model): list and retrieve what the session was created with, add an uploaded file to a running
 * session (the agent reads it at its mount path), delete it (the copy leaves the workspace), and refusals that
 * change nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import Anthropic, { toFile } from '@anthropic-ai/sdk';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

let harness: SessionHarness;
let server: TestApiServer;
let client: Anthropic;
let environmentId: string;

beforeAll(async () => {
  harness = await startSessionHarness({
    rules: [
      {
        match: { last_user_text: 'read the added notes' },
        reply: { content: [{ type: 'tool_use', name: 'read', input: { file_path: '/workspace/added/notes.txt' } }] },
      },
      { match: {}, reply: { content: [{ type: 'text', text: 'Done.' }] } },
    ],
  });
  server = await startTestApiServer({ lucid: harness.lucid });
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
  environmentId = (await client.beta.environments.create({ name: 'resources' })).id;
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

async function upload(text: string, name: string) {
  return client.beta.files.upload({ file: await toFile(Buffer.from(text), name, { type: 'text/plain' }) });
}

async function all<T>(page: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of page) items.push(item);
  return items;
}

const idOf = (resource: Anthropic.Beta.Sessions.BetaManagedAgentsSessionResource) =>
  'id' in resource ? resource.id : resource.memory_store_id;

async function toolResults(sessionId: string): Promise<string[]> {
  const page = await client.beta.sessions.events.list(sessionId, { types: ['agent.tool_result'] });
  return page.data.flatMap((event) =>
    event.type === 'agent.tool_result'
      ? (event.content ?? []).flatMap((block) => (block.type === 'text' ? [block.text] : []))
      : [],
  );
}

test('resources are listed and retrieved, a file is added to a running session and deleted from it', async () => {
  const agent = await client.beta.agents.create({
    name: 'reader',
    model: 'scripted-small',
    tools: [{ type: 'agent_toolset_20260401' }],
  });
  const brief = await upload('The brief.\n', 'brief.txt');
  const session = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: environmentId,
    resources: [
      { type: 'file', file_id: brief.id },
      { type: 'github_repository', url: 'https://github.com/acme/tools.git', authorization_token: 'ghp_secret' },
    ],
  });
  const created = await all(client.beta.sessions.resources.list(session.id));
  expect(created.map((resource) => resource.type).sort()).toEqual(['file', 'github_repository']);
  const repo = created.find((resource) => resource.type === 'github_repository')!;
  if (repo.type !== 'github_repository') throw new Error('no repository resource');
  expect(repo).toMatchObject({ id: expect.stringMatching(/^sesrsc_/), mount_path: '/workspace/tools' });
  expect(JSON.stringify(await client.beta.sessions.retrieve(session.id))).not.toContain('ghp_secret');
  expect(await client.beta.sessions.resources.retrieve(repo.id, { session_id: session.id })).toEqual(repo);

  const notes = await upload('Added while it ran.\n', 'notes.txt');
  const added = await client.beta.sessions.resources.add(session.id, {
    type: 'file',
    file_id: notes.id,
    mount_path: '/workspace/added/notes.txt',
  });
  expect(added).toMatchObject({ type: 'file', file_id: notes.id, mount_path: '/workspace/added/notes.txt' });
  const listed = await all(client.beta.sessions.resources.list(session.id, { limit: 1 }));
  expect(listed.map(idOf)).toEqual([...created.map(idOf), added.id]);
  expect((await client.beta.sessions.retrieve(session.id)).resources).toEqual(listed);

  await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'read the added notes' }] }],
  });
  await waitFor(async () => (await toolResults(session.id)).length > 0, 'the read');
  expect((await toolResults(session.id))[0]).toContain('Added while it ran.');

  const copy = path.join(harness.lucid.storage.defaultWorkspace(session.id), 'added/notes.txt');
  expect(fs.existsSync(copy)).toBe(true);
  const deleted = await client.beta.sessions.resources.delete(added.id, { session_id: session.id });
  expect(deleted).toEqual({ id: added.id, type: 'session_resource_deleted' });
  expect(fs.existsSync(copy)).toBe(false);
  const gone = client.beta.sessions.resources.retrieve(added.id, { session_id: session.id });
  await expect(gone).rejects.toMatchObject({ status: 404 });
});

test('bad adds and updates are refused and change nothing', async () => {
  const agent = await client.beta.agents.create({ name: 'careful', model: 'scripted-small' });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
  const file = await upload('x\n', 'x.txt');
  const refusals: [Promise<unknown>, number, RegExp][] = [
    [client.beta.sessions.resources.add(session.id, { type: 'file', file_id: 'file_1111111111' }), 400, /no file/],
    [
      client.beta.sessions.resources.add(session.id, { type: 'file', file_id: file.id, mount_path: '/etc/passwd' }),
      400,
      /mount_path/,
    ],
    [client.beta.sessions.resources.add('sesn_missing11', { type: 'file', file_id: file.id }), 404, /no session/],
    [
      client.beta.sessions.resources.update('sesrsc_missing1', { session_id: session.id, authorization_token: 't' }),
      404,
      /no resource/,
    ],
  ];
  for (const [refused, status, message] of refusals) {
    await expect(refused).rejects.toMatchObject({ status, error: { error: { message } } });
  }
  expect(await all(client.beta.sessions.resources.list(session.id))).toEqual([]);

  const added = await client.beta.sessions.resources.add(session.id, { type: 'file', file_id: file.id });
  const again = client.beta.sessions.resources.add(session.id, { type: 'file', file_id: file.id });
  await expect(again).rejects.toMatchObject({ status: 400, error: { error: { message: /already/ } } });
  const rotate = client.beta.sessions.resources.update(added.id, { session_id: session.id, authorization_token: 't' });
  await expect(rotate).rejects.toMatchObject({ status: 400, error: { error: { message: /github_repository/ } } });

  await client.beta.sessions.archive(session.id);
  const late = client.beta.sessions.resources.add(session.id, { type: 'file', file_id: file.id, mount_path: 'b.txt' });
  await expect(late).rejects.toMatchObject({ status: 400, error: { error: { message: /archived/ } } });
  expect(await all(client.beta.sessions.resources.list(session.id))).toEqual([added]);
});
