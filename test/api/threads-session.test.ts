/**
 * The thread routes over a real lead with a sub-agent (real worker, scripted model), driven by the official SDK:
 * the lead's stream reports the thread, threads.list / retrieve show it, and the thread's own events are listed
 * and streamed under ids that are single URL path segments, its tool results naming its own tool_use events.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { eventId } from '../../src/domain/ids';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

const researcher: AgentDefinition = {
  name: 'researcher',
  description: 'Finds facts and writes them to a file',
  model: 'research-model',
  system: 'RESEARCHER-SYSTEM',
  tools: ['write_file'],
  max_turns: 5,
  max_tokens: 256,
};
const lead: AgentDefinition = {
  name: 'lead',
  model: 'lead-model',
  system: 'LEAD-SYSTEM',
  tools: ['read_file'],
  max_turns: 6,
  max_tokens: 512,
  subagents: [researcher],
};

let harness: SessionHarness;
let server: TestApiServer;
let client: Anthropic;

beforeAll(async () => {
  harness = await startSessionHarness({
    rules: [
      {
        match: { system: 'LEAD-SYSTEM', last_user_text: 'Research ports' },
        times: 1,
        reply: {
          content: [{ type: 'tool_use', name: 'delegate', input: { agent: 'researcher', task: 'Research ports' } }],
        },
      },
      {
        match: { system: 'RESEARCHER-SYSTEM', last_user_text: 'Research ports' },
        times: 1,
        reply: { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'ports.md', content: 'ports' } }] },
      },
      {
        match: { system: 'LEAD-SYSTEM', last_user_text: 'Research slowly' },
        times: 1,
        reply: {
          content: [{ type: 'tool_use', name: 'delegate', input: { agent: 'researcher', task: 'Research slowly' } }],
        },
      },
      {
        match: { system: 'RESEARCHER-SYSTEM', last_user_text: 'Research slowly' },
        delay_ms: 5_000,
        reply: { content: [{ type: 'text', text: 'Too late.' }] },
      },
      { match: { system: 'RESEARCHER-SYSTEM' }, reply: { content: [{ type: 'text', text: 'Notes in ports.md' }] } },
      { match: { system: 'LEAD-SYSTEM' }, reply: { content: [{ type: 'text', text: 'The researcher is done.' }] } },
    ],
  });
  server = await startTestApiServer({ dataDir: harness.dataDir, lucid: harness.lucid });
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY });
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

async function all<T>(page: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of page) items.push(item);
  return items;
}

test("a lead's thread is listed, retrieved, and its own events listed and streamed", async () => {
  const sessionId = await harness.lucid.startSession({ agent: lead, message: 'Research ports' });
  const stream = await client.beta.sessions.events.stream(
    sessionId,
    {},
    {
      headers: { 'Last-Event-ID': eventId(sessionId, 0) },
    },
  );
  const leadEvents: Array<{ type: string; session_thread_id?: string | null }> = [];
  for await (const event of stream) leadEvents.push(event as (typeof leadEvents)[number]); // ends at terminated
  const created = leadEvents.find((event) => event.type === 'session.thread_created')!;
  const threadId = created.session_thread_id!;
  expect(threadId).toMatch(/^sthr_[A-Za-z0-9]+$/);
  expect(leadEvents.map((event) => event.type)).toEqual(
    expect.arrayContaining(['session.thread_status_running', 'session.thread_status_idle']),
  );
  expect(leadEvents[leadEvents.length - 1].type).toBe('session.status_terminated');

  const threads = await all(client.beta.sessions.threads.list(sessionId));
  expect(threads).toHaveLength(1);
  expect(threads[0]).toMatchObject({
    type: 'session_thread',
    id: threadId,
    session_id: sessionId,
    agent: { name: 'researcher' },
  });
  expect(['idle', 'terminated']).toContain(threads[0].status);
  expect(await client.beta.sessions.threads.retrieve(threadId, { session_id: sessionId })).toEqual(threads[0]);

  const own = await all(client.beta.sessions.threads.events.list(threadId, { session_id: sessionId }));
  expect(own[0]).toMatchObject({ type: 'user.message', content: [{ type: 'text', text: 'Research ports' }] });
  const use = own.find((event) => event.type === 'agent.tool_use')!;
  expect(own.find((event) => event.type === 'agent.tool_result')).toMatchObject({ tool_use_id: use.id });
  for (const event of own) {
    expect(encodeURIComponent(event.id)).toBe(event.id);
    expect(event).not.toHaveProperty('session_thread_id');
  }

  const replayed: string[] = [];
  const threadStream = await client.beta.sessions.threads.events.stream(
    threadId,
    { session_id: sessionId },
    { headers: { 'Last-Event-ID': own[0].id } },
  );
  for await (const event of threadStream) {
    replayed.push('id' in event ? event.id : event.type);
    if (replayed.length === own.length - 1) break;
  }
  expect(replayed).toEqual(own.slice(1).map((event) => event.id));

  // The lead is listed as a session; its thread, a workflow of the same type, is not.
  let listed: string[] = [];
  await waitFor(async () => {
    listed = (await all(client.beta.sessions.list())).map((session) => session.id);
    return listed.includes(sessionId);
  }, 'the lead to be listed');
  expect(listed).toEqual([sessionId]);
});

test('archiving a running thread marks it, hides it from the list and stops its workflow; the lead goes on', async () => {
  const sessionId = await harness.lucid.startSession({ agent: lead, message: 'Research slowly' });
  // The lead logs a new thread at its next model request: while it waits on one, Temporal shows it.
  let threadId = '';
  await waitFor(async () => {
    const query = `LucidParentSession = '${sessionId}' AND ExecutionStatus = 'Running'`;
    for await (const execution of harness.temporal.client.workflow.list({ query })) {
      threadId = execution.workflowId.split('/')[1];
    }
    return threadId !== '';
  }, 'the thread to run');
  expect(await client.beta.sessions.threads.retrieve(threadId, { session_id: sessionId })).toMatchObject({
    status: 'running',
    agent: { name: 'researcher' },
    archived_at: null,
  });

  const archived = await client.beta.sessions.threads.archive(threadId, { session_id: sessionId });
  expect(archived).toMatchObject({ id: threadId, archived_at: expect.any(String) });
  const again = await client.beta.sessions.threads.archive(threadId, { session_id: sessionId });
  expect(again.archived_at).toBe(archived.archived_at);

  const threadWorkflow = harness.temporal.client.workflow.getHandle(`${sessionId}/${threadId}`);
  await waitFor(async () => (await threadWorkflow.describe()).status.name !== 'RUNNING', 'the thread to stop');
  await waitFor(async () => {
    const events = await harness.lucid.readEvents(sessionId);
    return events.some((event) => event.type === 'session.status_terminated');
  }, 'the lead to finish its turn');
  const leadEvents = await harness.lucid.readEvents(sessionId);
  expect(leadEvents).toContainEqual(
    expect.objectContaining({ type: 'session.thread_status_terminated', session_thread_id: threadId }),
  );
  expect(leadEvents.filter((event) => event.type === 'agent.message').at(-1)).toMatchObject({
    content: [{ type: 'text', text: 'The researcher is done.' }],
  });

  expect(await all(client.beta.sessions.threads.list(sessionId))).toEqual([]);
  const withArchived = await all(
    client.beta.sessions.threads.list(sessionId, {}, { query: { include_archived: 'true' } }),
  );
  expect(withArchived).toEqual([
    expect.objectContaining({ id: threadId, status: 'terminated', archived_at: archived.archived_at }),
  ]);
  const retrieved = await client.beta.sessions.threads.retrieve(threadId, { session_id: sessionId });
  expect(retrieved.archived_at).toBe(archived.archived_at);

  const missing = client.beta.sessions.threads.archive('sthr_missing1', { session_id: sessionId });
  await expect(missing).rejects.toMatchObject({ status: 404 });
});
