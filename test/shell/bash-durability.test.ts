/**
 * `bash` under failure, against real workers and the real sandbox: a command is never run twice, a worker killed
 * mid-command takes the command with it and the retried call says so, and interrupting the session kills the
 * command it is running.
 */
import { temporal as proto } from '@temporalio/proto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LucidClient } from '../../src/client';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import type { Scenario } from '../../src/scripted-model/scenario';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';
import { openStorage } from '../../src/storage/open-storage';
import { activityAttempts } from '../helpers/history-payloads';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { connectTestTemporal, tempDir, uniqueTaskQueue, type TestTemporal } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { waitFor } from '../helpers/wait-for';

const agent: AgentDefinition = {
  name: 'shell-durability',
  model: 'scripted-small',
  system: 'You use the shell.',
  tools: ['bash'],
  max_turns: 10,
  max_tokens: 256,
};

const bash = (command: string) => ({ content: [{ type: 'tool_use' as const, name: 'bash', input: { command } }] });

/** The unique `sleep` of a test's long command, to find it among the host's processes. */
const LONG_SLEEP = 'sleep 47.31';

function toolResultTexts(events: SessionEvent[]): string[] {
  return events.flatMap((event) =>
    event.type === 'agent.tool_result' ? [event.content.map((block) => block.text).join('')] : [],
  );
}

/** Whether any process on the host is running the test's long sleep (the sandbox's PID namespace hides nothing from the host). */
function longSleepRunning(): boolean {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .some((line) => line === LONG_SLEEP);
}

const appendThenSleep = `echo started >> once.txt; ${LONG_SLEEP}; echo finished >> once.txt`;

describe('a worker killed during a bash command', () => {
  let temporal: TestTemporal;
  let model: ScriptedModel;
  const workers: WorkerProcess[] = [];
  const scenario: Scenario = {
    rules: [
      { match: { last_user_text: 'Append' }, times: 1, reply: bash(appendThenSleep) },
      { match: { last_tool_result: 'interrupted by a worker restart' }, times: 1, reply: bash('cat once.txt; pwd') },
      { match: {}, reply: { content: [{ type: 'text', text: 'Checked.' }] } },
    ],
  };

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    model = await startScriptedModel({ scenario });
  });
  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGTERM');
    await model?.close();
    await temporal?.close();
  });

  it('is not run again: the retried call reports the interruption and the shell starts afresh', async () => {
    const dataDir = tempDir('lucid-bash-crash-');
    const workspace = tempDir('lucid-bash-crash-ws-');
    const taskQueue = uniqueTaskQueue('lucid-bash-crash');
    const options = { address: temporal.address, taskQueue, dataDir, modelUrl: model.url };
    const storage = openStorage({ dataDir });
    const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });

    const first = startWorkerProcess(options);
    workers.push(first);
    await first.ready;
    const sessionId = await lucid.startSession({ agent, message: 'Append a line', workspace });
    const once = path.join(workspace, 'once.txt');
    await waitFor(() => fs.existsSync(once) && longSleepRunning(), 'the command to be half-way');
    await first.kill('SIGKILL');
    // bubblewrap's --die-with-parent: the sandbox, and the command in it, die with the worker.
    await waitFor(() => !longSleepRunning(), 'the sandbox to die with its worker', 10_000);

    const second = startWorkerProcess(options);
    workers.push(second);
    await second.ready;
    const snapshot = await lucid.result(sessionId);
    expect(snapshot.final_message).toBe('Checked.');

    const texts = toolResultTexts(await storage.sessions.readEvents(sessionId));
    expect(texts).toEqual([
      expect.stringContaining('interrupted by a worker restart before it finished, so its effects may be partial'),
      'started\n/workspace\n',
    ]);
    expect(fs.readFileSync(once, 'utf8')).toBe('started\n');
    const history = (await temporal.client.workflow.getHandle(sessionId).fetchHistory()).events ?? [];
    expect(activityAttempts(history, 'runBash')).toEqual([2, 1]);
  });
});

describe('a worker that cannot make a sandbox', () => {
  let temporal: TestTemporal;
  let model: ScriptedModel;
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
    model = await startScriptedModel({
      scenario: {
        rules: [
          { match: { last_user_text: 'Try' }, times: 1, reply: bash('touch ran.txt') },
          { match: {}, reply: { content: [{ type: 'text', text: 'No shell here.' }] } },
        ],
      },
    });
  });
  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await model?.close();
    await temporal?.close();
  });

  it('says so at start, does not offer bash, and refuses a call made anyway without running it', async () => {
    const dataDir = tempDir('lucid-no-sandbox-');
    const workspace = tempDir('lucid-no-sandbox-ws-');
    const taskQueue = uniqueTaskQueue('lucid-no-sandbox');
    worker = startWorkerProcess({
      address: temporal.address,
      taskQueue,
      dataDir,
      modelUrl: model.url,
      env: { LUCID_SANDBOX: 'off' },
    });
    await worker.ready;
    await waitFor(() => worker!.output().includes('bash is not offered'), 'the start-up line about bash');
    expect(worker.output()).toContain('bash is not offered: LUCID_SANDBOX is "off"');

    const storage = openStorage({ dataDir });
    const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });
    const sessionId = await lucid.startSession({ agent, message: 'Try the shell', workspace });
    expect((await lucid.result(sessionId)).final_message).toBe('No shell here.');
    const offered = model.requests.map((request) =>
      (request.body.tools ?? []).map((tool: { name: string }) => tool.name),
    );
    expect(offered.every((names) => !names.includes('bash'))).toBe(true);
    expect(toolResultTexts(await storage.sessions.readEvents(sessionId))).toEqual([
      'bash is not available on this worker: LUCID_SANDBOX is "off"',
    ]);
    expect(fs.existsSync(path.join(workspace, 'ran.txt'))).toBe(false);
  });
});

describe('interrupting a session during a bash command', () => {
  let harness: SessionHarness;
  const scenario: Scenario = {
    rules: [
      { match: { last_user_text: 'Wait' }, times: 1, reply: bash(`${LONG_SLEEP}; echo never > never.txt`) },
      { match: {}, reply: { content: [{ type: 'text', text: 'Stopped.' }] } },
    ],
  };
  beforeAll(async () => {
    harness = await startSessionHarness(scenario);
  });
  afterAll(async () => harness?.close());

  it('kills the command, and the model is told it was interrupted', async () => {
    const sessionId = await harness.lucid.startSession({ agent, message: 'Wait a while', keep_alive_seconds: 0 });
    const handle = harness.temporal.client.workflow.getHandle(sessionId);
    const commandRunning = async () =>
      longSleepRunning() &&
      ((await handle.describe()).raw.pendingActivities?.some(
        (activity) =>
          activity.activityType?.name === 'runBash' &&
          activity.state === proto.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
      ) ??
        false);
    await waitFor(commandRunning, 'the command to run');
    await harness.lucid.interrupt(sessionId);
    await harness.lucid.result(sessionId);

    expect(longSleepRunning()).toBe(false);
    const events = await harness.store.readEvents(sessionId);
    expect(toolResultTexts(events)).toEqual([expect.stringContaining('interrupted by the user')]);
    expect(fs.existsSync(path.join(harness.storage.defaultWorkspace(sessionId), 'never.txt'))).toBe(false);
  });
});
