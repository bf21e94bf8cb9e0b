/**
 * Two HTTP server replicas on one PostgreSQL: a client streaming a session's events from server A, which is
 * killed mid-stream, reconnects to server B with the id of the last event it saw (Last-Event-ID) and receives every
 * event of the session exactly once, in order, while a worker process keeps writing them.
 */
import Anthropic from '@anthropic-ai/sdk';
import fs from 'node:fs';
import path from 'node:path';
import { LucidClient } from '../../../src/client';
import type { AgentDefinition } from '../../../src/domain/agent-definition';
import { toApiEvents } from '../../../src/api/events/event-object';
import { useHosts } from '../../helpers/hosts';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process';
import { tempDir, uniqueTaskQueue } from '../../helpers/temporal';

const KEY = 'lucid-two-servers-key-8d1e';
const ROUNDS = 6;

const agent: AgentDefinition = {
  name: 'two-servers',
  model: 'scripted-small',
  system: 'Write notes.',
  tools: ['write_file'],
  max_turns: 20,
  max_tokens: 256,
};

type StreamEvent = { type: string; id: string };

// Slow model answers: the session writes its events over several seconds, while the streams read them.
const hosts = useHosts('lucid_two_servers', {
  rules: [
    ...Array.from({ length: ROUNDS }, (_, round) => ({
      match: {},
      times: 1,
      delay_ms: 700,
      reply: {
        content: [
          {
            type: 'tool_use' as const,
            name: 'write_file',
            input: { path: `note-${round}.md`, content: `${round}\n` },
          },
        ],
      },
    })),
    { match: {}, reply: { content: [{ type: 'text', text: 'All written.' }] } },
  ],
});
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop('SIGKILL');
});

function startServer(taskQueue: string, name: string): ServerProcess {
  const keys = path.join(tempDir(`lucid-server-${name}-`), 'keys');
  fs.writeFileSync(keys, `${KEY}\n`);
  const server = startServerProcess(['--port', '0'], {
    TEMPORAL_ADDRESS: hosts.temporal().address,
    LUCID_TASK_QUEUE: taskQueue,
    LUCID_DATA_DIR: tempDir(`lucid-server-${name}-data-`),
    LUCID_DATABASE_URL: hosts.postgresUrl(),
    LUCID_API_KEYS_FILE: keys,
    LUCID_API_KEYS: '',
  });
  servers.push(server);
  return server;
}

test('a client whose server is killed mid-stream resumes on the other replica and sees every event exactly once', async () => {
  const taskQueue = uniqueTaskQueue('lucid-two-servers');
  const a = startServer(taskQueue, 'a');
  const b = startServer(taskQueue, 'b');
  const worker = hosts.startWorker(taskQueue);
  const [urlA, urlB] = await Promise.all([a.ready, b.ready, worker.ready]);
  const lucid = new LucidClient({ client: hosts.temporal().client, taskQueue, storage: hosts.storage() });
  const sessionId = await lucid.startSession({ agent, message: 'Write the notes', workspace: tempDir('lucid-ws-') });

  const seen: StreamEvent[] = [];
  const fromA = await new Anthropic({ baseURL: urlA, apiKey: KEY, maxRetries: 0 }).beta.sessions.events.stream(
    sessionId,
    {},
    { query: { replay: 'true' } },
  );
  try {
    for await (const item of fromA) {
      seen.push(item as StreamEvent);
      // Mid-run: the second tool result is out, four more rounds to come. The stream goes on until A dies.
      if (seen.filter((event) => event.type === 'agent.tool_result').length === 2) void a.stop('SIGKILL');
    }
  } catch {
    // A connection cut by the server's death may end the iteration with an error, or without one.
  }
  expect(seen.some((event) => event.type === 'session.status_terminated')).toBe(false);

  const fromB = await new Anthropic({ baseURL: urlB, apiKey: KEY }).beta.sessions.events.stream(
    sessionId,
    {},
    { headers: { 'Last-Event-ID': seen[seen.length - 1].id } },
  );
  for await (const item of fromB) seen.push(item as StreamEvent);

  const snapshot = await lucid.result(sessionId);
  expect(snapshot.final_message).toBe('All written.');
  const stored = toApiEvents(await hosts.storage().sessions.readEvents(sessionId));
  expect(stored.at(-1)?.type).toBe('session.status_terminated');
  expect(seen.map((event) => event.id)).toEqual(stored.map((event) => event.id));
  expect(seen).toEqual(stored);
}, 120_000);
