/**
 * A worker SIGKILLed while a session waits for a custom tool result: a new worker takes the session over, the
 * answer sent after the restart is applied once (a repeat is refused), the built-in call of the same turn ran
 * once, and the log has every event once.
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
  name: 'crash-clerk',
  model: 'scripted-small',
  system: 'You look tickets up.',
  tools: [
    'edit_file',
    {
      type: 'custom',
      name: 'lookup_ticket',
      description: 'Look a ticket up in the tracker',
      input_schema: { type: 'object', properties: { id: { type: 'string' } } },
    },
  ],
  max_turns: 10,
  max_tokens: 256,
};

describe('a worker killed while a session waits for a custom tool result', () => {
  let temporal: TestTemporal;
  let model: ScriptedModel;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    model = await startScriptedModel({
      scenario: {
        rules: [
          {
            match: { last_user_text: 'Look T-1 up' },
            reply: {
              content: [
                { type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-1' } },
                {
                  type: 'tool_use',
                  name: 'edit_file',
                  input: { path: 'counter.txt', old_string: 'x', new_string: 'xx' },
                },
              ],
            },
          },
          { match: { request: 'T-1: open' }, reply: { content: [{ type: 'text', text: 'T-1 is open.' }] } },
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
    const dataDir = tempDir('lucid-custom-crash-');
    const workspace = tempDir('lucid-custom-crash-ws-');
    fs.writeFileSync(path.join(workspace, 'counter.txt'), 'count: x\n');
    const taskQueue = uniqueTaskQueue('lucid-custom-crash');
    const options = { address: temporal.address, taskQueue, dataDir, modelUrl: model.url };
    const storage = openStorage({ dataDir });
    const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });

    const first = startWorkerProcess(options);
    workers.push(first);
    await first.ready;
    const sessionId = await lucid.startSession({ agent, message: 'Look T-1 up', workspace });
    let useId = '';
    await waitFor(async () => {
      const idle = (await storage.sessions.readEvents(sessionId)).find((event) => event.type === 'session.status_idle');
      if (idle?.type !== 'session.status_idle' || idle.stop_reason.type !== 'requires_action') return false;
      useId = idle.stop_reason.event_ids[0];
      return true;
    }, 'the session to wait for the custom tool result');
    await waitFor(
      async () => fs.readFileSync(path.join(workspace, 'counter.txt'), 'utf8') === 'count: xx\n',
      'the edit of the same turn',
    );

    await first.kill('SIGKILL');
    const second = startWorkerProcess(options);
    workers.push(second);
    await second.ready;
    // Answered at once: the restarted worker may still be running the killed worker's last workflow task again,
    // which registers the call only after Temporal hands the workflow this answer; the answer waits for the call
    // (src/workflows/early-answers.ts) and is applied once.

    const accepted = await lucid.sendCustomToolResult(sessionId, {
      custom_tool_use_id: useId,
      content: [{ type: 'text', text: 'T-1: open' }],
    });
    await expect(
      lucid.sendCustomToolResult(sessionId, { custom_tool_use_id: useId, content: [{ type: 'text', text: 'again' }] }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);

    const snapshot = await lucid.result(sessionId);
    expect(snapshot.final_message).toBe('T-1 is open.');
    expect(fs.readFileSync(path.join(workspace, 'counter.txt'), 'utf8')).toBe('count: xx\n');
    const events = await storage.sessions.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    const results = events.filter((event) => event.type === 'user.custom_tool_result');
    expect(results).toEqual([expect.objectContaining({ seq: accepted.seq, custom_tool_use_id: useId })]);
    expect(events.filter((event) => event.type === 'agent.custom_tool_use')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'agent.tool_result')).toEqual([
      expect.objectContaining({ is_error: false }),
    ]);
    // Two model requests: the one that asked for the tools and the one that read their results.
    expect(events.filter((event) => event.type === 'span.model_request_end')).toHaveLength(2);
    expect(model.requests).toHaveLength(2);
  });
});
