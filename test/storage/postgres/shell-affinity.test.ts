/**
 * Shell affinity across two worker processes ("hosts": separate data directories, one PostgreSQL, one shared
 * LUCID_WORKSPACE_ROOT): a session's `bash` calls reach the worker that holds its shell, so `cd` and `export` last
 * from one call to the next; once that worker is killed, the next call runs on the other, in a fresh shell, and
 * the model is told so; the session finishes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LucidClient } from '../../../src/client';
import type { AgentDefinition } from '../../../src/domain/agent-definition';
import type { SessionEvent } from '../../../src/domain/events';
import { INTERRUPTED_BY_WORKER_RESTART } from '../../../src/shell/bash-call';
import { useHosts } from '../../helpers/hosts';
import { expectWellFormedLog } from '../../helpers/session';
import { tempDir, uniqueTaskQueue } from '../../helpers/temporal';
import { waitFor } from '../../helpers/wait-for';
import type { WorkerProcess } from '../../helpers/worker-process';

const agent: AgentDefinition = {
  name: 'shell-affinity',
  model: 'scripted-small',
  system: 'Use the shell.',
  tools: ['bash'],
  max_turns: 10,
  max_tokens: 256,
};

const bash = (command: string) => ({ content: [{ type: 'tool_use' as const, name: 'bash', input: { command } }] });

const hosts = useHosts('lucid_shell_affinity', {
  rules: [
    { match: {}, times: 1, reply: bash('mkdir -p sub && cd sub && export GREETING=hello && echo sub > where.txt') },
    { match: {}, times: 1, reply: bash('echo "$(pwd) $GREETING"') },
    // Slow: the worker holding the shell is killed while this request is in flight.
    { match: {}, times: 2, delay_ms: 4000, reply: bash('echo "$(pwd) [$GREETING]"; cat sub/where.txt') },
    { match: {}, reply: { content: [{ type: 'text', text: 'Done.' }] } },
  ],
});

/** Two worker processes on one task queue, one database and one shared workspace root. */
async function startTwoHosts(taskQueue: string, workspaceRoot: string): Promise<WorkerProcess[]> {
  const started = [0, 1].map(() => hosts.startWorker(taskQueue, { LUCID_WORKSPACE_ROOT: workspaceRoot }));
  await Promise.all(started.map((worker) => worker.ready));
  return started;
}

/** The task queues the session's `bash` calls were sent to so far, in order. */
async function bashQueues(sessionId: string): Promise<(string | null | undefined)[]> {
  const history = (await hosts.temporal().client.workflow.getHandle(sessionId).fetchHistory()).events ?? [];
  return history
    .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'runBash')
    .map((event) => event.activityTaskScheduledEventAttributes?.taskQueue?.name);
}

/** The worker whose own queue (`<task queue>@<host>-<pid>-<hex>`, src/worker.ts) is `queue`. */
function workerOfQueue(workers: WorkerProcess[], queue: string | null | undefined): WorkerProcess {
  const pid = Number(/-(\d+)-[0-9a-f]{8}$/.exec(queue ?? '')?.[1]);
  const found = workers.find((worker) => worker.child.pid === pid);
  if (!found) throw new Error(`no worker process owns the queue ${queue}`);
  return found;
}

function toolResults(events: SessionEvent[]): { is_error: boolean; text: string }[] {
  return events.flatMap((event) =>
    event.type === 'agent.tool_result' ? [{ is_error: event.is_error, text: event.content[0]?.text ?? '' }] : [],
  );
}

test("a session's shell stays on its worker, and moves to the other one, fresh, when that worker is killed", async () => {
  const taskQueue = uniqueTaskQueue('lucid-shell-affinity');
  const workspaceRoot = tempDir('lucid-shared-workspaces-');
  const workers = await startTwoHosts(taskQueue, workspaceRoot);
  const lucid = new LucidClient({ client: hosts.temporal().client, taskQueue, storage: hosts.storage() });
  const sessionId = await lucid.startSession({ agent, message: 'Work in a subfolder' });

  await waitFor(() => hosts.model().requests.length >= 3, 'the third model request');
  const queues = await bashQueues(sessionId);
  // The first call on the shared queue, the second on the queue of the worker that ran the first.
  expect(queues).toEqual([taskQueue, expect.stringMatching(new RegExp(`^${taskQueue}@.+-\\d+-[0-9a-f]{8}$`))]);
  await workerOfQueue(workers, queues[1]).kill('SIGKILL');

  const snapshot = await lucid.result(sessionId);
  expect(snapshot).toMatchObject({ stop_reason: { type: 'end_turn' }, final_message: 'Done.' });
  const events = await hosts.storage().sessions.readEvents(sessionId);
  expectWellFormedLog(events, snapshot.event_count);
  const results = toolResults(events);
  expect(results).toHaveLength(3);
  expect(results[1]).toEqual({ is_error: false, text: '/workspace/sub hello\n' });
  expect(results[2].is_error).toBe(false);
  expect(results[2].text).toMatch(/^The shell was restarted on another worker/);
  expect(results[2].text).toContain('/workspace []\nsub');
  // The workspace is the session's folder under the shared root, not under either host's data directory.
  expect(fs.readFileSync(path.join(workspaceRoot, sessionId, 'sub', 'where.txt'), 'utf8')).toBe('sub\n');
}, 120_000);

test("a command cut off by its worker's death is not run again: the call moves to the other worker, which says so", async () => {
  const taskQueue = uniqueTaskQueue('lucid-shell-affinity-cut');
  const workspaceRoot = tempDir('lucid-shared-workspaces-');
  hosts.model().setScenario({
    rules: [
      { match: {}, times: 1, reply: bash('export STEP=one && echo "$STEP" >> steps.txt') },
      { match: {}, times: 1, reply: bash('echo two >> steps.txt; sleep 60; echo three >> steps.txt') },
      { match: {}, times: 1, reply: bash('echo "[$STEP]"; cat steps.txt') },
      { match: {}, reply: { content: [{ type: 'text', text: 'Checked.' }] } },
    ],
  });
  const workers = await startTwoHosts(taskQueue, workspaceRoot);
  const lucid = new LucidClient({ client: hosts.temporal().client, taskQueue, storage: hosts.storage() });
  const sessionId = await lucid.startSession({ agent, message: 'Count the steps' });
  const steps = path.join(workspaceRoot, sessionId, 'steps.txt');
  await waitFor(() => fs.existsSync(steps) && fs.readFileSync(steps, 'utf8') === 'one\ntwo\n', 'the second command');
  const queues = await bashQueues(sessionId);
  expect(queues).toHaveLength(2);
  await workerOfQueue(workers, queues[1]).kill('SIGKILL');

  const snapshot = await lucid.result(sessionId);
  expect(snapshot).toMatchObject({ stop_reason: { type: 'end_turn' }, final_message: 'Checked.' });
  const events = await hosts.storage().sessions.readEvents(sessionId);
  expectWellFormedLog(events, snapshot.event_count);
  const results = toolResults(events);
  expect(results).toHaveLength(3);
  expect(results[1]).toEqual({ is_error: true, text: INTERRUPTED_BY_WORKER_RESTART });
  // The interruption said the shell was restarted; the next call, in that fresh shell, need not say it again.
  expect(results[2]).toEqual({ is_error: false, text: '[]\none\ntwo\n' });
  expect(fs.readFileSync(steps, 'utf8')).toBe('one\ntwo\n');
}, 120_000);
