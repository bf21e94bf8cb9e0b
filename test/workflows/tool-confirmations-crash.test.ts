/**
 * A worker SIGKILLed while a session waits for a tool confirmation: a new worker takes the session over, the
 * approval sent after the restart is applied once (a repeat is refused), the approved call runs once, and the log
 * has every event once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { LucidClient } from '../../src/client';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';
import { openStorage } from '../../src/storage/open-storage';
import { expectWellFormedLog } from '../helpers/session';
import { connectTestTemporal, tempDir, uniqueTaskQueue, type TestTemporal } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { waitFor } from '../helpers/wait-for';

const agent: AgentDefinition = {
  name: 'crash-editor',
  model: 'scripted-small',
  system: 'You edit the counter.',
  tools: [
    {
      type: 'agent_toolset_20260401',
      default_config: { enabled: false },
      configs: [{ name: 'edit', enabled: true, permission_policy: { type: 'always_ask' } }],
    },
  ],
  max_turns: 10,
  max_tokens: 256,
};

describe('a worker killed while a session waits for a tool confirmation', () => {
  let temporal: TestTemporal;
  let model: ScriptedModel;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    model = await startScriptedModel({
      scenario: {
        rules: [
          {
            match: { last_user_text: 'Bump the counter' },
            reply: {
              content: [
                {
                  type: 'tool_use',
                  name: 'edit',
                  input: { file_path: '/workspace/counter.txt', old_string: 'x', new_string: 'xx' },
                },
              ],
            },
          },
          { match: { last_tool_result: '' }, reply: { content: [{ type: 'text', text: 'Bumped.' }] } },
        ],
      },
    });
  });

  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGTERM');
    await model?.close();
    await temporal?.close();
  });

  it('applies the answer sent after the restart once and loses nothing', async () => {
    const dataDir = tempDir('lucid-confirm-crash-');
    const workspace = tempDir('lucid-confirm-crash-ws-');
    fs.writeFileSync(path.join(workspace, 'counter.txt'), 'count: x\n');
    const taskQueue = uniqueTaskQueue('lucid-confirm-crash');
    const options = { address: temporal.address, taskQueue, dataDir, modelUrl: model.url };
    const storage = openStorage({ dataDir });
    const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });

    const first = startWorkerProcess(options);
    workers.push(first);
    await first.ready;
    const sessionId = await lucid.startSession({ agent, message: 'Bump the counter', workspace });
    let useId = '';
    await waitFor(async () => {
      const idle = (await storage.sessions.readEvents(sessionId)).find((event) => event.type === 'session.status_idle');
      if (idle?.type !== 'session.status_idle' || idle.stop_reason.type !== 'requires_action') return false;
      useId = idle.stop_reason.event_ids[0];
      return true;
    }, 'the session to wait for the confirmation');
    expect(fs.readFileSync(path.join(workspace, 'counter.txt'), 'utf8')).toBe('count: x\n');

    await first.kill('SIGKILL');
    const second = startWorkerProcess(options);
    workers.push(second);
    await second.ready;
    // Answered at once: the restarted worker may still be running the killed worker's last workflow task again,
    // which registers the call only after Temporal hands the workflow this answer; the answer waits for the call
    // (src/workflows/early-answers.ts) and is applied once.

    const accepted = await lucid.confirmToolUse(sessionId, { tool_use_id: useId, result: 'allow', decided_by: 'cli' });
    await expect(lucid.confirmToolUse(sessionId, { tool_use_id: useId, result: 'allow' })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );

    const snapshot = await lucid.result(sessionId);
    expect(snapshot.final_message).toBe('Bumped.');
    expect(fs.readFileSync(path.join(workspace, 'counter.txt'), 'utf8')).toBe('count: xx\n');
    const events = await storage.sessions.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    const confirmations = events.filter((event) => event.type === 'user.tool_confirmation');
    expect(confirmations).toEqual([
      expect.objectContaining({ seq: accepted.seq, tool_use_id: useId, result: 'allow', decided_by: 'cli' }),
    ]);
    expect(events.filter((event) => event.type === 'agent.tool_use')).toEqual([
      expect.objectContaining({ id: useId, evaluated_permission: 'ask' }),
    ]);
    expect(events.filter((event) => event.type === 'agent.tool_result')).toEqual([
      expect.objectContaining({ is_error: false }),
    ]);
    // Two model requests: the one that asked for the tools and the one that read their results.
    expect(events.filter((event) => event.type === 'span.model_request_end')).toHaveLength(2);
    expect(model.requests).toHaveLength(2);
  });
});
