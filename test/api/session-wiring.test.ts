/**
 * What connects sessions to the other resources, driven by the official SDK against a real server and a real
 * worker (real bubblewrap shells, the scripted model): a session runs `bash` in its environment's network, not the
 * worker's; an environment a live session uses is not deleted; uploaded files are mounted in the workspace before
 * the first turn; a file rubric is graded as its text; and event streams end when their session is deleted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic, { toFile } from '@anthropic-ai/sdk';
import type { BetaManagedAgentsSession } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { ShellPool } from '../../src/shell/shell-pool';
import { DEFAULT_SHELL_SETTINGS } from '../../src/shell/shell-settings';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

let target: http.Server;
let port: number;
const reached: string[] = [];
let shellPool: ShellPool;
let harness: SessionHarness;
let server: TestApiServer;
let client: Anthropic;

const RUBRIC = 'RUBRIC-FROM-FILE: the answer names the brief.';

beforeAll(async () => {
  // A host the sandbox may or may not reach; the worker's own allowlist is empty (no network at all).
  target = http.createServer((request, response) => {
    reached.push(request.url ?? '');
    response.end(`served ${request.url}\n`);
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  port = (target.address() as AddressInfo).port;
  shellPool = await ShellPool.create(DEFAULT_SHELL_SETTINGS);
  harness = await startSessionHarness(
    {
      rules: [
        {
          match: { tools_include: 'submit_verdict' },
          reply: {
            content: [
              {
                type: 'tool_use',
                name: 'submit_verdict',
                input: {
                  result: 'satisfied',
                  explanation: 'names the brief',
                  criteria: [{ criterion: 'names the brief', met: true, explanation: 'it does' }],
                },
              },
            ],
          },
        },
        {
          match: { system: 'LEAD-WIRED', last_user_text: 'probe' },
          times: 1,
          reply: {
            content: [{ type: 'tool_use', name: 'delegate', input: { agent: 'prober', task: 'reach the service' } }],
          },
        },
        {
          match: { last_user_text: 'reach' },
          reply: {
            content: [
              {
                type: 'tool_use',
                name: 'bash',
                input: { command: `curl -sS --max-time 5 http://localhost:${port}/from-session 2>&1` },
              },
            ],
          },
        },
        {
          match: { last_user_text: 'brief' },
          reply: { content: [{ type: 'tool_use', name: 'read', input: { file_path: '/workspace/docs/brief.txt' } }] },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Done.' }] } },
      ],
    },
    { shellPool },
  );
  server = await startTestApiServer({ lucid: harness.lucid });
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
  await shellPool?.close();
  target?.close();
});

const newAgent = () =>
  client.beta.agents.create({
    name: 'wired',
    model: 'scripted-small',
    tools: [{ type: 'agent_toolset_20260401' }],
  });

const environmentAllowing = (hosts: string[]) =>
  client.beta.environments.create({
    name: `allows ${hosts.join(',') || 'nothing'}`,
    config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: hosts } },
  });

async function untilIdle(sessionId: string): Promise<BetaManagedAgentsSession> {
  let session: BetaManagedAgentsSession | undefined;
  await waitFor(async () => {
    session = await client.beta.sessions.retrieve(sessionId);
    return session.status === 'idle' && (await toolResults(sessionId)).length > 0;
  }, `session ${sessionId} to be idle after a tool call`);
  return session!;
}

async function toolResults(sessionId: string): Promise<string[]> {
  const page = await client.beta.sessions.events.list(sessionId, { types: ['agent.tool_result'] });
  return page.data.flatMap((event) =>
    event.type === 'agent.tool_result'
      ? (event.content ?? []).flatMap((block) => (block.type === 'text' ? [block.text] : []))
      : [],
  );
}

/** The inputs the workflow scheduled its `bash` activities with, from its history. */
async function bashInputs(sessionId: string): Promise<Array<Record<string, unknown>>> {
  const history = await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'runBash') return [];
    return [JSON.parse(Buffer.from(scheduled.input!.payloads![0].data!).toString('utf8'))];
  });
}

test("a session's bash reaches what its environment allows, not what the worker does", async () => {
  const agent = await newAgent();
  const open = await environmentAllowing(['localhost']);
  const session = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: open.id,
    initial_events: [{ type: 'user.message', content: [{ type: 'text', text: 'reach the service' }] }],
  });
  await untilIdle(session.id);
  expect(await toolResults(session.id)).toEqual([`served /from-session\n`]);
  expect(await bashInputs(session.id)).toEqual([expect.objectContaining({ allowedHosts: ['localhost'] })]);

  const elsewhere = await environmentAllowing(['example.org']);
  const narrowed = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: elsewhere.id,
    initial_events: [{ type: 'user.message', content: [{ type: 'text', text: 'reach the service' }] }],
  });
  await untilIdle(narrowed.id);
  expect((await toolResults(narrowed.id))[0]).toContain('refused localhost');
  expect(await bashInputs(narrowed.id)).toEqual([expect.objectContaining({ allowedHosts: ['example.org'] })]);
  expect(reached).toEqual(['/from-session']);
});

test("a lead's sub-agent threads run in the lead's network too", async () => {
  const prober: AgentDefinition = {
    name: 'prober',
    description: 'Probes a service',
    model: 'scripted-small',
    system: 'PROBER',
    tools: ['bash'],
    max_turns: 4,
    max_tokens: 256,
  };
  const lead: AgentDefinition = { ...prober, name: 'lead', system: 'LEAD-WIRED', tools: [], subagents: [prober] };
  const before = reached.length;
  const sessionId = await harness.lucid.startSession({ agent: lead, message: 'probe', allowed_hosts: ['localhost'] });
  await harness.lucid.result(sessionId);
  const [thread] = (await client.beta.sessions.threads.list(sessionId)).data;
  const events = await client.beta.sessions.threads.events.list(thread.id, { session_id: sessionId });
  const results = events.data.flatMap((event) => (event.type === 'agent.tool_result' ? event.content : []));
  expect(results).toEqual([expect.objectContaining({ text: 'served /from-session\n' })]);
  expect(reached.slice(before)).toEqual(['/from-session']);
});

test('a session needs an existing, unarchived environment, and keeps one it uses from being deleted', async () => {
  const agent = await newAgent();
  await expect(client.beta.sessions.create({ agent: agent.id, environment_id: 'env_nowhere' })).rejects.toMatchObject({
    status: 404,
    message: expect.stringContaining('no environment env_nowhere'),
  });
  const retired = await environmentAllowing([]);
  await client.beta.environments.archive(retired.id);
  await expect(client.beta.sessions.create({ agent: agent.id, environment_id: retired.id })).rejects.toMatchObject({
    status: 400,
    message: expect.stringContaining('archived'),
  });

  const used = await environmentAllowing([]);
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: used.id });
  expect(session.environment_id).toBe(used.id);
  const before = server.requests();
  await expect(client.beta.environments.delete(used.id)).rejects.toMatchObject({
    status: 409,
    message: expect.stringContaining(session.id),
  });
  expect(server.requests()).toBe(before + 1); // not retried
  expect(await client.beta.environments.retrieve(used.id)).toMatchObject({ id: used.id });
  await client.beta.sessions.archive(session.id);
  expect(await client.beta.environments.delete(used.id)).toEqual({ id: used.id, type: 'environment_deleted' });
});

test("an uploaded file is in the session's workspace at its mount path before the first turn", async () => {
  const agent = await newAgent();
  const environment = await environmentAllowing([]);
  const file = await client.beta.files.upload({
    file: await toFile(Buffer.from('The brief: ship the wiring.\n'), 'brief.txt', { type: 'text/plain' }),
  });
  const session = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    resources: [{ type: 'file', file_id: file.id, mount_path: '/workspace/docs/brief.txt' }],
    initial_events: [{ type: 'user.message', content: [{ type: 'text', text: 'read the brief' }] }],
  });
  const resource = {
    type: 'file',
    id: expect.stringMatching(/^sesrsc_/),
    file_id: file.id,
    mount_path: '/workspace/docs/brief.txt',
    created_at: expect.any(String),
    updated_at: expect.any(String),
  };
  expect(session.resources).toEqual([resource]);
  await untilIdle(session.id);
  expect((await toolResults(session.id))[0]).toContain('The brief: ship the wiring.');
  expect((await client.beta.sessions.retrieve(session.id)).resources).toEqual([resource]);

  const missing = client.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    resources: [{ type: 'file', file_id: 'file_1111111111', mount_path: '/workspace/x.txt' }],
  });
  await expect(missing).rejects.toMatchObject({ status: 400, message: expect.stringContaining('resources.0.file_id') });
  const outside = client.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    resources: [{ type: 'file', file_id: file.id, mount_path: '/etc/passwd' }],
  });
  await expect(outside).rejects.toMatchObject({ status: 400, message: expect.stringContaining('mount_path') });
});

test('an outcome rubric given as a file is graded as its text, in events.send and initial_events', async () => {
  const agent = await newAgent();
  const environment = await environmentAllowing([]);
  const rubric = await client.beta.files.upload({
    file: await toFile(Buffer.from(RUBRIC), 'rubric.md', { type: 'text/markdown' }),
  });
  const outcome = {
    type: 'user.define_outcome' as const,
    description: 'Answer about the brief.',
    rubric: { type: 'file' as const, file_id: rubric.id },
  };
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  const sent = await client.beta.sessions.events.send(session.id, { events: [outcome] });
  expect(sent.data?.[0]).toMatchObject({ type: 'user.define_outcome', rubric: { type: 'text', content: RUBRIC } });
  await waitFor(async () => {
    const current = await client.beta.sessions.retrieve(session.id);
    return current.status === 'idle' && current.outcome_evaluations.some((e) => e.result === 'satisfied');
  }, 'the outcome to be graded');
  const graderSaw = harness.model.requests.filter((request) => JSON.stringify(request.body).includes('submit_verdict'));
  expect(graderSaw.some((request) => JSON.stringify(request.body).includes('RUBRIC-FROM-FILE'))).toBe(true);

  const started = await client.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    initial_events: [outcome],
  });
  const events = await client.beta.sessions.events.list(started.id);
  expect(events.data.find((event) => event.type === 'user.define_outcome')).toMatchObject({
    rubric: { type: 'text', content: RUBRIC },
  });

  const before = await client.beta.sessions.events.list(session.id);
  const unknown = client.beta.sessions.events.send(session.id, {
    events: [{ ...outcome, rubric: { type: 'file', file_id: 'file_1111111111' } }],
  });
  await expect(unknown).rejects.toMatchObject({ status: 400, message: expect.stringContaining('events.0.rubric') });
  expect((await client.beta.sessions.events.list(session.id)).data).toEqual(before.data);
});

test('an event stream ends when its session is deleted', async () => {
  const agent = await newAgent();
  const environment = await environmentAllowing([]);
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  const stream = await client.beta.sessions.events.stream(session.id);
  const types: string[] = [];
  const ended = (async () => {
    for await (const event of stream) types.push(event.type);
    return types;
  })();
  await client.beta.sessions.delete(session.id);
  // A deleted session writes no session.status_terminated: the stream ends because the session is gone.
  expect(await ended).not.toContain('session.status_terminated');
  await expect(client.beta.sessions.events.list(session.id)).rejects.toMatchObject({ status: 404 });
});

test('an API session with no events yet is known to the event routes by its record', async () => {
  const agent = await newAgent();
  const environment = await environmentAllowing([]);
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  // A server on the same data dir without Temporal (so without the workflow to ask): only the record says it exists.
  const readOnly = await startTestApiServer({ dataDir: harness.dataDir });
  try {
    const offline = new Anthropic({ baseURL: readOnly.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
    expect(await harness.store.readEvents(session.id)).toEqual([]);
    expect((await offline.beta.sessions.events.list(session.id)).data).toEqual([]);
    await expect(offline.beta.sessions.events.list('sesn_nothing')).rejects.toMatchObject({ status: 404 });
  } finally {
    await readOnly.close();
  }
});

test('an event stream ends when its session is archived and its workflow has ended', async () => {
  const agent = await newAgent();
  const environment = await environmentAllowing([]);
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
  const stream = await client.beta.sessions.events.stream(session.id);
  const ended = (async () => {
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    return types;
  })();
  await client.beta.sessions.archive(session.id);
  expect(await ended).toEqual(['session.status_terminated']);
});
