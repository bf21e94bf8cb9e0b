/**
 * Two workers as two hosts: separate data directories, one PostgreSQL. A session whose worker is killed mid-run is
 * finished by the other, which finds its log, its tool journal and its prompt in the database: nothing is lost,
 * nothing is stored twice, no tool runs twice. The worker started before its database waits for it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LucidClient } from '../../../src/client';
import type { AgentDefinition } from '../../../src/domain/agent-definition';
import { startScriptedModel, type ScriptedModel } from '../../../src/scripted-model/server';
import { openStorage, type Storage } from '../../../src/storage/open-storage';
import { activityAttempts } from '../../helpers/history-payloads';
import { usePostgres } from '../../helpers/postgres';
import { expectWellFormedLog } from '../../helpers/session';
import { connectTestTemporal, tempDir, uniqueTaskQueue, type TestTemporal } from '../../helpers/temporal';
import { waitFor } from '../../helpers/wait-for';
import { startWorkerProcess, type WorkerProcess } from '../../helpers/worker-process';

const postgres = usePostgres({ database: 'lucid_two_hosts' });

const agent: AgentDefinition = {
  name: 'two-hosts',
  model: 'scripted-small',
  system: 'Count carefully.',
  tools: ['read_file', 'write_file', 'edit_file'],
  max_turns: 10,
  max_tokens: 256,
};

let temporal: TestTemporal;
let model: ScriptedModel;
let storage: Storage;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  temporal = await connectTestTemporal();
  storage = openStorage({ dataDir: tempDir('lucid-client-'), database: { url: postgres.url(), poolSize: 4 } });
  model = await startScriptedModel({
    scenario: {
      rules: [
        {
          match: {},
          times: 1,
          reply: {
            content: [
              {
                type: 'tool_use',
                name: 'edit_file',
                input: { path: 'counter.txt', old_string: 'x', new_string: 'xx' },
              },
              { type: 'tool_use', name: 'write_file', input: { path: 'log.txt', content: 'edited once\n' } },
            ],
          },
        },
        // The second request is slow: the first worker is killed while it is in flight.
        {
          match: {},
          times: 2,
          delay_ms: 4000,
          reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'counter.txt' } }] },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'The counter reads xx.' }] } },
      ],
    },
  });
});

afterAll(async () => {
  for (const worker of workers) await worker.kill('SIGTERM');
  await storage?.close();
  await model?.close();
  await temporal?.close();
});

test('a session whose worker is killed is finished by a worker on another host, from the database', async () => {
  const taskQueue = uniqueTaskQueue('lucid-two-hosts');
  // A workspace both hosts mount (as a shared volume would be); each host has its own data directory.
  const workspace = tempDir('lucid-two-hosts-ws-');
  fs.writeFileSync(path.join(workspace, 'counter.txt'), 'count: x\n');
  const host = (name: string) =>
    startWorkerProcess({
      address: temporal.address,
      taskQueue,
      dataDir: tempDir(`lucid-host-${name}-`),
      modelUrl: model.url,
      env: { LUCID_DATABASE_URL: postgres.url() },
    });
  const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });

  const first = host('a');
  workers.push(first);
  await first.ready;
  const sessionId = await lucid.startSession({ agent, message: 'Double the x', workspace });
  await waitFor(() => model.requests.length >= 2, 'the second model request');
  await first.kill('SIGKILL');
  const second = host('b');
  workers.push(second);
  await second.ready;

  const snapshot = await lucid.result(sessionId);
  expect(snapshot).toMatchObject({ stop_reason: { type: 'end_turn' }, final_message: 'The counter reads xx.' });
  expect(fs.readFileSync(path.join(workspace, 'counter.txt'), 'utf8')).toBe('count: xx\n');
  expect(fs.readFileSync(path.join(workspace, 'log.txt'), 'utf8')).toBe('edited once\n');
  const events = await storage.sessions.readEvents(sessionId);
  expectWellFormedLog(events, snapshot.event_count);
  const results = events.filter((event) => event.type === 'agent.tool_result');
  expect(results.map((event) => event.type === 'agent.tool_result' && event.is_error)).toEqual([false, false, false]);
  // The log lives in the database, not in either host's data directory.
  const { rows } = await postgres
    .pool()
    .query('SELECT count(*)::int AS n FROM lucid_session_events WHERE session_id = $1', [sessionId]);
  expect(rows[0].n).toBe(snapshot.event_count);
}, 120_000);

test("a database that goes away mid-run for longer than the activities' attempts last: they wait for it and the session finishes", async () => {
  const server = postgres.server();
  const taskQueue = uniqueTaskQueue('lucid-db-away');
  const workspace = tempDir('lucid-db-away-ws-');
  const before = model.requests.length;
  model.setScenario({
    rules: [
      {
        match: {},
        times: 1,
        // The database goes away while this request is in flight: storing its answer and the tool's journal fail.
        delay_ms: 3000,
        reply: { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'out.txt', content: 'once\n' } }] },
      },
      { match: {}, reply: { content: [{ type: 'text', text: 'Written.' }] } },
    ],
  });
  const worker = startWorkerProcess({
    address: temporal.address,
    taskQueue,
    dataDir: tempDir('lucid-db-away-'),
    modelUrl: model.url,
    env: { LUCID_DATABASE_URL: postgres.url() },
  });
  workers.push(worker);
  await worker.ready;
  const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });
  const sessionId = await lucid.startSession({ agent, message: 'Write it', workspace });
  await waitFor(() => model.requests.length > before, 'the first model request');
  server.stop();
  // Longer than five attempts' back-off (~15 s), which ended the call before storage outages were waited out.
  await new Promise((resolve) => setTimeout(resolve, 25_000));
  server.start();

  const snapshot = await lucid.result(sessionId);
  expect(snapshot).toMatchObject({ stop_reason: { type: 'end_turn' }, final_message: 'Written.' });
  expect(fs.readFileSync(path.join(workspace, 'out.txt'), 'utf8')).toBe('once\n');
  const events = await storage.sessions.readEvents(sessionId);
  expectWellFormedLog(events, snapshot.event_count);
  expect(events.filter((event) => event.type === 'agent.tool_result')).toHaveLength(1);
  // The outage was felt and waited out inside the attempt, said in the worker's log, spending no attempts.
  expect(worker.output()).toMatch(/Storage unavailable, trying again in \d+ s/);
  const history = (await temporal.client.workflow.getHandle(sessionId).fetchHistory()).events ?? [];
  const attempts = ['callModel', 'runTool'].flatMap((type) => activityAttempts(history, type));
  expect(Math.max(...attempts)).toBe(1);
}, 180_000);

test('a worker started while its database is down says so, waits, and starts once it is back', async () => {
  const server = postgres.server();
  server.stop();
  const waiting = startWorkerProcess({
    address: temporal.address,
    taskQueue: uniqueTaskQueue('lucid-db-down'),
    dataDir: tempDir('lucid-db-down-'),
    modelUrl: model.url,
    env: { LUCID_DATABASE_URL: postgres.url() },
  });
  workers.push(waiting);
  try {
    await waitFor(() => /is not reachable .*; retrying in/.test(waiting.output()), 'the worker to say it waits');
  } finally {
    server.start();
  }
  await waiting.ready;
  expect(waiting.output()).toContain('is reachable now');
  expect(waiting.output()).toContain(`storage ${postgres.url()} is not reachable`);
}, 120_000);
