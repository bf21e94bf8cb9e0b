/**
 * Permission confirmations through the HTTP API with the official SDK: an agent whose toolset asks before `write`
 * (always_ask, accepted now), the `agent.tool_use` event with `evaluated_permission: "ask"`, `requires_action`
 * naming it, and `user.tool_confirmation` sent with `events.send`: a bad batch is refused whole, a denial is a
 * tool error with its message, an approval runs the call. Each decision is logged with the caller's API key id.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsSessionEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import fs from 'node:fs';
import path from 'node:path';
import { apiKeyId } from '../../src/api/api-actor';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startSessionHarness, workspaceOf, type SessionHarness } from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

let harness: SessionHarness;
let server: TestApiServer;
let client: Anthropic;
let environmentId: string;

beforeAll(async () => {
  harness = await startSessionHarness({
    rules: [
      {
        match: { last_user_text: 'write two notes' },
        reply: {
          content: [
            { type: 'tool_use', name: 'write', input: { file_path: '/workspace/a.txt', content: 'A' } },
            { type: 'tool_use', name: 'write', input: { file_path: '/workspace/b.txt', content: 'B' } },
          ],
        },
      },
      { match: {}, reply: { content: [{ type: 'text', text: 'Done as allowed.' }] } },
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

async function apiEvents(sessionId: string): Promise<BetaManagedAgentsSessionEvent[]> {
  const events: BetaManagedAgentsSessionEvent[] = [];
  for await (const event of client.beta.sessions.events.list(sessionId, { limit: 1000 })) events.push(event);
  return events;
}

test('always_ask is accepted, asks over HTTP, and user.tool_confirmation allows or denies each call', async () => {
  const agent = await client.beta.agents.create({
    name: 'asker',
    model: 'scripted-small',
    tools: [
      { type: 'agent_toolset_20260401', configs: [{ name: 'write', permission_policy: { type: 'always_ask' } }] },
    ],
  });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
  await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'write two notes' }] }],
  });
  let waiting: string[] = [];
  await waitFor(async () => {
    const idle = (await apiEvents(session.id)).find(
      (event) => event.type === 'session.status_idle' && event.stop_reason.type === 'requires_action',
    );
    if (idle?.type === 'session.status_idle' && idle.stop_reason.type === 'requires_action')
      waiting = idle.stop_reason.event_ids;
    return waiting.length > 0;
  }, 'requires_action');
  const uses = (await apiEvents(session.id)).filter((event) => event.type === 'agent.tool_use');
  expect(uses.map((use) => use.id)).toEqual(waiting);
  for (const use of uses) {
    expect(use).toMatchObject({ evaluated_permission: 'ask', evaluation: { type: 'always_ask' } });
  }

  // A bad event refuses the batch whole: the good confirmation before it does not apply.
  const before = await apiEvents(session.id);
  await expect(
    client.beta.sessions.events.send(session.id, {
      events: [
        { type: 'user.tool_confirmation', tool_use_id: waiting[0], result: 'allow' },
        { type: 'user.tool_confirmation', tool_use_id: 'sevt_unknown', result: 'deny' },
      ],
    }),
  ).rejects.toMatchObject({
    status: 400,
    message: expect.stringContaining('events.1: user.tool_confirmation: no tool call waits for an answer under'),
  });
  await expect(
    client.beta.sessions.events.send(session.id, {
      events: [{ type: 'user.tool_confirmation', tool_use_id: waiting[0], result: 'allow', deny_message: 'x' }],
    }),
  ).rejects.toMatchObject({ status: 400, message: expect.stringContaining('deny_message is only allowed') });
  expect(await apiEvents(session.id)).toEqual(before);

  const sent = await client.beta.sessions.events.send(session.id, {
    events: [
      { type: 'user.tool_confirmation', tool_use_id: waiting[0], result: 'allow' },
      { type: 'user.tool_confirmation', tool_use_id: waiting[1], result: 'deny', deny_message: 'one note is enough' },
    ],
  });
  expect(sent.data).toMatchObject([
    { type: 'user.tool_confirmation', tool_use_id: waiting[0], result: 'allow', decided_by: apiKeyId(TEST_API_KEY) },
    { type: 'user.tool_confirmation', tool_use_id: waiting[1], result: 'deny', deny_message: 'one note is enough' },
  ]);
  await waitFor(
    async () =>
      (await client.beta.sessions.retrieve(session.id)).status === 'idle' &&
      (await apiEvents(session.id)).some((event) => event.type === 'agent.message'),
    'the turn to end',
  );
  const results = (await apiEvents(session.id)).filter((event) => event.type === 'agent.tool_result');
  expect(results.map((result) => [result.tool_use_id, result.is_error])).toEqual([
    [waiting[0], false],
    [waiting[1], true],
  ]);
  expect(results[1].content).toEqual([{ type: 'text', text: 'the user denied the write call: one note is enough' }]);
  const workspace = workspaceOf(harness, session.id);
  expect(fs.readFileSync(path.join(workspace, 'a.txt'), 'utf8')).toBe('A');
  expect(fs.existsSync(path.join(workspace, 'b.txt'))).toBe(false);
});
