/**
 * A session created over HTTP is an ordinary Temporal workflow: the real, pinned `temporal` CLI describes it,
 * queries it and messages it, and what the CLI does shows over HTTP; archiving over HTTP ends the workflow the CLI
 * sees. (The other way, a session the CLI starts with lifecycle "api" served over HTTP, is in sessions-sdk.test.ts.)
 * The CLI runs as an asynchronous child: the worker answering its query runs in this very process.
 */
import Anthropic from '@anthropic-ai/sdk';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import { AGENT_SESSION_WORKFLOW } from '../../src/workflows/api/session-api';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

const run = promisify(execFile);

let harness: SessionHarness;
let server: TestApiServer;
let client: Anthropic;

beforeAll(async () => {
  harness = await startSessionHarness({
    rules: [
      { match: { last_user_text: 'from the CLI' }, reply: { content: [{ type: 'text', text: 'Heard the CLI.' }] } },
      { match: {}, reply: { content: [{ type: 'text', text: 'Noted.' }] } },
    ],
  });
  server = await startTestApiServer({ lucid: harness.lucid });
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

/** `temporal workflow <command> --workflow-id <id> ...` against the run's dev server, its JSON output parsed. */
async function temporalWorkflow(command: string, workflowId: string, ...args: string[]): Promise<unknown> {
  const { stdout } = await run(ensureTemporalCli(), [
    'workflow',
    command,
    '--address',
    harness.temporal.address,
    '--workflow-id',
    workflowId,
    '--output',
    'json',
    ...args,
  ]);
  return stdout.trim() ? JSON.parse(stdout) : null;
}

interface Described {
  workflowExecutionInfo: { type: { name: string }; status: string; taskQueue: string };
}

const describe_ = async (sessionId: string) => (await temporalWorkflow('describe', sessionId)) as Described;

async function agentTexts(sessionId: string): Promise<string[]> {
  const texts: string[] = [];
  for await (const event of client.beta.sessions.events.list(sessionId, { types: ['agent.message'] })) {
    if (event.type === 'agent.message')
      texts.push(event.content.map((block) => ('text' in block ? block.text : '')).join(''));
  }
  return texts;
}

test('a session made over HTTP is described, queried and messaged by the temporal CLI, and answers over HTTP', async () => {
  const agent = await client.beta.agents.create({ name: 'listener', model: 'scripted-small' });
  const { id: environmentId } = await client.beta.environments.create({ name: 'interop' });
  const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
  expect(session.status).toBe('idle');

  const described = await describe_(session.id);
  expect(described.workflowExecutionInfo).toMatchObject({
    type: { name: AGENT_SESSION_WORKFLOW },
    status: 'WORKFLOW_EXECUTION_STATUS_RUNNING',
    taskQueue: harness.taskQueue,
  });
  const snapshot = (await temporalWorkflow('query', session.id, '--name', 'status')) as {
    queryResult: Array<{ session_id: string; status: string; agent: string }>;
  };
  expect(snapshot.queryResult[0]).toMatchObject({ session_id: session.id, status: 'idle', agent: 'listener' });

  await temporalWorkflow('signal', session.id, '--name', 'user.message', '--input', '{"text": "Hello from the CLI"}');
  await waitFor(async () => (await agentTexts(session.id)).length === 1, 'the answer to the CLI’s message');
  expect(await agentTexts(session.id)).toEqual(['Heard the CLI.']);
  const users: string[] = [];
  for await (const event of client.beta.sessions.events.list(session.id, { types: ['user.message'] })) {
    if (event.type === 'user.message') users.push(JSON.stringify(event.content));
  }
  expect(users).toEqual([expect.stringContaining('Hello from the CLI')]);
  await waitFor(async () => (await client.beta.sessions.retrieve(session.id)).status === 'idle', 'idle again');

  // Archiving over HTTP ends the workflow, as the CLI sees it.
  await client.beta.sessions.archive(session.id);
  await waitFor(
    async () => (await describe_(session.id)).workflowExecutionInfo.status === 'WORKFLOW_EXECUTION_STATUS_COMPLETED',
    'the archived session’s workflow to complete',
  );
  expect((await client.beta.sessions.retrieve(session.id)).status).toBe('terminated');
});
