import { WorkflowFailedError } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { Scenario } from '../../src/scripted-model/scenario';
import { lastUserText } from '../../src/scripted-model/server';
import {
  expectWellFormedLog,
  startSessionHarness,
  startWithTemporalCli,
  workspaceOf,
  type SessionHarness,
} from '../helpers/session';

const agent: AgentDefinition = {
  name: 'note-taker',
  model: 'scripted-small',
  system: 'You keep tidy notes.',
  tools: ['read_file', 'write_file', 'edit_file', 'list_files', 'grep'],
  max_turns: 10,
  max_tokens: 1024,
};

/** Four model requests: list, read, write + edit in one turn, then a final answer. */
const toolRounds: Scenario = {
  rules: [
    {
      match: { last_user_text: 'Tidy the notes' },
      times: 1,
      reply: {
        content: [{ type: 'tool_use', name: 'write_file', input: { path: 'notes.md', content: 'alpha\nbeta\n' } }],
      },
    },
    {
      match: {},
      times: 1,
      reply: {
        content: [
          { type: 'text', text: 'Reading it back.' },
          { type: 'tool_use', name: 'read_file', input: { path: 'notes.md' } },
        ],
      },
    },
    {
      match: { last_tool_result: 'alpha' },
      times: 1,
      reply: {
        content: [
          {
            type: 'tool_use',
            name: 'write_file',
            input: { path: 'summary/summary.md', content: '# Summary\n2 notes\n' },
          },
          {
            type: 'tool_use',
            name: 'edit_file',
            input: { path: 'notes.md', old_string: 'beta', new_string: 'beta (done)' },
          },
        ],
      },
    },
    { match: {}, times: 1, reply: { content: [{ type: 'text', text: 'Done: notes tidied, summary written.' }] } },
  ],
};

describe('agentSession', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness(toolRounds);
  });
  afterAll(async () => harness?.close());
  beforeEach(() => harness.model.setScenario(toolRounds));

  it('runs several tool rounds from the client and leaves the right files and events', async () => {
    const sessionId = await harness.lucid.startSession({ agent, message: 'Tidy the notes please' });
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot).toMatchObject({
      session_id: sessionId,
      status: 'terminated',
      stop_reason: { type: 'end_turn' },
      final_message: 'Done: notes tidied, summary written.',
      turns: 4,
    });
    expect(snapshot.usage.input_tokens + snapshot.usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(snapshot.usage.output_tokens).toBeGreaterThan(0);

    const workspace = workspaceOf(harness, sessionId);
    expect(fs.readFileSync(path.join(workspace, 'notes.md'), 'utf8')).toBe('alpha\nbeta (done)\n');
    expect(fs.readFileSync(path.join(workspace, 'summary/summary.md'), 'utf8')).toBe('# Summary\n2 notes\n');

    const events = await harness.store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    expect(events.map((event) => event.type)).toEqual([
      'user.message',
      'session.status_running',
      'span.model_request_start',
      'agent.tool_use',
      'span.model_request_end',
      'agent.tool_result',
      'span.model_request_start',
      'agent.message',
      'agent.tool_use',
      'span.model_request_end',
      'agent.tool_result',
      'span.model_request_start',
      'agent.tool_use',
      'agent.tool_use',
      'span.model_request_end',
      'agent.tool_result',
      'agent.tool_result',
      'span.model_request_start',
      'agent.message',
      'span.model_request_end',
      'session.status_idle',
      'session.status_terminated',
    ]);
    expect(events.filter((event) => event.type === 'agent.tool_result').every((event) => !event.is_error)).toBe(true);

    // The second request carried the first tool result back, and the system prompt and tools went out every time.
    const requests = harness.model.requests;
    expect(requests).toHaveLength(4);
    expect(lastUserText(requests[0].body)).toBe('Tidy the notes please');
    expect(JSON.stringify(requests[1].body.messages)).toContain('tool_result');
    for (const request of requests) {
      expect(JSON.stringify(request.body.system)).toContain('You keep tidy notes.');
      expect(request.body.tools.map((tool: { name: string }) => tool.name)).toEqual(agent.tools);
      expect(request.body.model).toBe('scripted-small');
    }
    // Prompt caching: later requests read the earlier prefix from the cache.
    expect(snapshot.usage.cache_read_input_tokens).toBeGreaterThan(0);
  });

  it('runs a session started with `temporal workflow start` through the pinned CLI', async () => {
    const sessionId = `cli-started-${Date.now()}`;
    startWithTemporalCli(harness, sessionId, { agent, message: 'Tidy the notes from the CLI' });
    harness.model.setScenario({
      rules: [{ ...toolRounds.rules[0], match: { last_user_text: 'from the CLI' } }, ...toolRounds.rules.slice(1)],
    });
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    expect(fs.readFileSync(path.join(workspaceOf(harness, sessionId), 'notes.md'), 'utf8')).toBe(
      'alpha\nbeta (done)\n',
    );
  });

  it('fails at once with a readable validation error on invalid input', async () => {
    const handle = await harness.temporal.client.workflow.start('agentSession', {
      taskQueue: harness.taskQueue,
      workflowId: `invalid-${Date.now()}`,
      args: [{ agent: { ...agent, tools: ['rm_rf'] }, message: '' }],
    });
    const error = await handle.result().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause?.message).toMatch(/invalid session input: .*agent.*message: message must not be empty/);
    const history = await handle.fetchHistory();
    // Failed in the first workflow task: no activity was scheduled and no task was retried.
    expect(history.events?.some((event) => event.activityTaskScheduledEventAttributes)).toBe(false);
    expect(history.events?.some((event) => event.workflowTaskFailedEventAttributes)).toBe(false);
  });

  it('runs an agent defined with the Managed Agents toolset: write and read by their API names', async () => {
    const toolsetAgent: AgentDefinition = {
      ...agent,
      name: 'toolset-user',
      tools: [{ type: 'agent_toolset_20260401', configs: [{ name: 'bash', enabled: false }] }],
    };
    harness.model.setScenario({
      rules: [
        {
          match: { last_user_text: 'Use the toolset' },
          times: 1,
          reply: {
            content: [
              { type: 'tool_use', name: 'write', input: { file_path: '/workspace/out/list.md', content: 'a\nb\nc\n' } },
            ],
          },
        },
        {
          match: { last_tool_result: 'Created' },
          times: 1,
          reply: {
            content: [{ type: 'tool_use', name: 'read', input: { file_path: 'out/list.md', view_range: [2, -1] } }],
          },
        },
        { match: { last_tool_result: '2\tb' }, times: 1, reply: { content: [{ type: 'text', text: 'Read it.' }] } },
      ],
    });
    // The worker runs in this process: without an allowlist here it must leave web_fetch out of the request.
    const allowedHosts = process.env.LUCID_NETWORK_ALLOWED_HOSTS;
    delete process.env.LUCID_NETWORK_ALLOWED_HOSTS;
    const sessionId = await harness.lucid.startSession({ agent: toolsetAgent, message: 'Use the toolset please' });
    const snapshot = await harness.lucid.result(sessionId).finally(() => {
      if (allowedHosts !== undefined) process.env.LUCID_NETWORK_ALLOWED_HOSTS = allowedHosts;
    });

    expect(snapshot).toMatchObject({ stop_reason: { type: 'end_turn' }, final_message: 'Read it.', turns: 3 });
    expect(fs.readFileSync(path.join(workspaceOf(harness, sessionId), 'out/list.md'), 'utf8')).toBe('a\nb\nc\n');
    const results = (await harness.store.readEvents(sessionId)).filter((event) => event.type === 'agent.tool_result');
    expect(results.map((event) => [event.is_error, event.content])).toEqual([
      [false, [{ type: 'text', text: 'Created /workspace/out/list.md (6 bytes).' }]],
      [false, [{ type: 'text', text: '2\tb\n3\tc' }]],
    ]);
    // bash is configured off; web_fetch is enabled but this worker has no allowlist, so it is not offered.
    const offered = harness.model.requests.at(-1)!.body.tools.map((tool: { name: string }) => tool.name);
    expect(offered).toEqual(['read', 'write', 'edit', 'glob', 'grep']);
  });

  it('refuses an unknown toolset config at session start with a readable error', async () => {
    const handle = await harness.temporal.client.workflow.start('agentSession', {
      taskQueue: harness.taskQueue,
      workflowId: `invalid-toolset-${Date.now()}`,
      args: [
        {
          agent: { ...agent, tools: [{ type: 'agent_toolset_20260401', configs: [{ name: 'shell', enabled: true }] }] },
          message: 'hi',
        },
      ],
    });
    const error = await handle.result().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause?.message).toMatch(
      /invalid session input: agent\.tools\.0\.configs\.0\.name: Invalid option: expected one of "bash"/,
    );
  });

  it('names the unknown agent when a definition is missing', async () => {
    const handle = await harness.temporal.client.workflow.start('agentSession', {
      taskQueue: harness.taskQueue,
      workflowId: `unknown-agent-${Date.now()}`,
      args: [{ agent: 'no-such-agent', message: 'hi' }],
    });
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    const failure = await handle.result().catch((error: WorkflowFailedError) => error.cause?.cause ?? error.cause);
    expect(failure?.message).toMatch(/agent "no-such-agent" not found/);
  });
});
