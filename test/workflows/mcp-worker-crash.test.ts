/**
 * A worker SIGKILLed while an MCP call is in flight: the call is not repeated (an MCP tool may change things and
 * nothing tells whether it ran), the model gets a tool error saying so, and a new worker finishes the session with
 * nothing lost.
 */
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { textOf } from '../../src/domain/events';
import { LucidClient } from '../../src/client';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';
import { openStorage } from '../../src/storage/open-storage';
import { startTestMcpServer, type TestMcpServer } from '../helpers/mcp-server';
import { expectWellFormedLog } from '../helpers/session';
import { connectTestTemporal, tempDir, uniqueTaskQueue, type TestTemporal } from '../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { waitFor } from '../helpers/wait-for';

describe('a worker killed during an MCP call', () => {
  let temporal: TestTemporal;
  let model: ScriptedModel;
  let mcp: TestMcpServer;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    mcp = await startTestMcpServer();
    model = await startScriptedModel({
      scenario: {
        rules: [
          {
            match: { last_user_text: 'wait' },
            times: 1,
            reply: { content: [{ type: 'tool_use', name: 'slow', input: { ms: 5000 } }] },
          },
          {
            match: { last_tool_result: 'may or may not have run' },
            times: 1,
            reply: { content: [{ type: 'text', text: 'The call was lost; I will not repeat it.' }] },
          },
        ],
      },
    });
  });

  afterAll(async () => {
    for (const worker of workers) await worker.kill('SIGTERM');
    await model?.close();
    await mcp?.stop();
    await temporal?.close();
  });

  it('is a tool error the model sees, the call is not repeated, and a new worker finishes the session', async () => {
    const agent: AgentDefinition = {
      name: 'mcp-crash',
      model: 'scripted',
      system: 'Use the slow tool.',
      tools: [
        {
          type: 'mcp_toolset',
          mcp_server_name: 'tickets',
          default_config: { permission_policy: { type: 'always_allow' as const } },
        },
      ],
      mcp_servers: [{ type: 'url', name: 'tickets', url: mcp.url }],
      max_turns: 5,
      max_tokens: 256,
    };
    const dataDir = tempDir('lucid-mcp-crash-');
    const taskQueue = uniqueTaskQueue('lucid-mcp-crash');
    const options = { address: temporal.address, taskQueue, dataDir, modelUrl: model.url };
    const storage = openStorage({ dataDir });
    const lucid = new LucidClient({ client: temporal.client, taskQueue, storage });

    const first = startWorkerProcess(options);
    workers.push(first);
    await first.ready;
    const sessionId = await lucid.startSession({ agent, message: 'wait' });
    await waitFor(() => mcp.calls.some((call) => call.name === 'slow'), 'the MCP call to reach the server');
    await first.kill('SIGKILL');
    const second = startWorkerProcess(options);
    workers.push(second);
    await second.ready;

    const snapshot = await lucid.result(sessionId);
    expect(snapshot.final_message).toBe('The call was lost; I will not repeat it.');
    const events = await storage.sessions.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    const uses = events.filter((event) => event.type === 'agent.mcp_tool_use');
    const results = events.filter((event) => event.type === 'agent.mcp_tool_result');
    expect(uses).toHaveLength(1);
    expect(results).toHaveLength(1);
    const [result] = results;
    expect(result.type === 'agent.mcp_tool_result' && result.is_error).toBe(true);
    expect(result.type === 'agent.mcp_tool_result' && textOf(result.content)).toMatch(/may or may not have run/);
    expect(mcp.calls.filter((call) => call.name === 'slow')).toHaveLength(1);
  });
});
