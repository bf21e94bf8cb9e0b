/**
 * MCP servers in sessions, against a real MCP server (the MCP SDK's server side on loopback): tools listed at the
 * start, a call's result in the model's next request, the server restarting between calls, a server that cannot be
 * reached, a tool error, a garbage answer, and auth headers from the worker's configuration only.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import { textOf } from '../../src/domain/events';
import { occurrencesInHistory } from '../helpers/history-payloads';
import { startTestMcpServer, type TestMcpServer } from '../helpers/mcp-server';
import { expectWellFormedLog, startSessionHarness, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';
import { waitFor } from '../helpers/wait-for';

const TOKEN = 'Bearer mcp-test-token-5f3a9c';

function agentWith(servers: Array<{ name: string; url: string }>, system: string): AgentDefinition {
  return {
    name: 'ticket-agent',
    model: 'scripted',
    system,
    tools: servers.map((server) => ({
      type: 'mcp_toolset' as const,
      mcp_server_name: server.name,
      // MCP tools ask by default (the API's default); these sessions run their calls unasked.
      default_config: { permission_policy: { type: 'always_allow' as const } },
    })),
    mcp_servers: servers.map((server) => ({ type: 'url' as const, ...server })),
    max_turns: 10,
    max_tokens: 256,
  };
}

const toolUse = (name: string, input: Record<string, unknown> = {}) => ({
  content: [{ type: 'tool_use' as const, name, input }],
});
const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

function ofType<T extends SessionEvent['type']>(events: SessionEvent[], type: T) {
  return events.filter((event): event is Extract<SessionEvent, { type: T }> => event.type === type);
}

describe('MCP servers in sessions', () => {
  let harness: SessionHarness;
  let mcp: TestMcpServer;
  const previousHeaders = process.env.LUCID_MCP_HEADERS_FILE;

  beforeAll(async () => {
    mcp = await startTestMcpServer({ expectedAuthorization: TOKEN });
    const headersFile = path.join(tempDir('lucid-mcp-headers-'), 'headers.json');
    writeFileSync(headersFile, JSON.stringify({ [`http://127.0.0.1:${mcp.port}/`]: { Authorization: TOKEN } }));
    // Read by the worker's activities when they are created: worker configuration, not the agent's.
    process.env.LUCID_MCP_HEADERS_FILE = headersFile;
    process.env.LUCID_MCP_STDIO_COMMANDS = process.execPath;
    process.env.LUCID_TEST_SECRET = 'stdio-secret-value-1234';
    harness = await startSessionHarness({ rules: [] });
  });
  afterAll(async () => {
    process.env.LUCID_MCP_HEADERS_FILE = previousHeaders;
    delete process.env.LUCID_MCP_STDIO_COMMANDS;
    delete process.env.LUCID_TEST_SECRET;
    await harness?.close();
    await mcp?.stop();
  });

  it('lists the tools at the start, offers them, and a call result reaches the next request; the server restarts between calls', async () => {
    const system = 'TICKETS-1';
    harness.model.setScenario({
      rules: [
        { match: { system, last_user_text: 'first' }, times: 1, reply: toolUse('lookup_ticket', { id: 'T-1' }) },
        { match: { system, last_tool_result: 'printer on fire' }, times: 1, reply: text('T-1 is burning.') },
        { match: { system, last_user_text: 'second' }, times: 1, reply: toolUse('add', { a: 2, b: 3 }) },
        { match: { system, last_tool_result: 'sum=5' }, times: 1, reply: text('Five.') },
      ],
    });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({
      agent: agentWith([{ name: 'tickets', url: mcp.url }], system),
      message: 'first',
      keep_alive_seconds: 60,
    });
    await waitFor(async () => (await harness.lucid.snapshot(sessionId))?.status === 'idle', 'the first turn');

    const firstRequest = harness.model.requests[before].body as { tools: Array<{ name: string; description: string }> };
    const offered = firstRequest.tools.map((tool) => tool.name);
    expect(offered).toEqual(expect.arrayContaining(['lookup_ticket', 'add', 'broken_tool', 'whoami', 'garbage']));
    expect(firstRequest.tools.find((tool) => tool.name === 'lookup_ticket')?.description).toBe(
      'Look up a ticket by id',
    );

    // Stopped and started again on the same port: the next call connects afresh.
    await mcp.stop();
    await mcp.start();
    await harness.lucid.sendMessage(sessionId, 'second');
    await waitFor(
      async () => ofType(await harness.store.readEvents(sessionId), 'session.status_idle').length === 2,
      'the second turn',
    );
    const events = await harness.store.readEvents(sessionId);
    await harness.temporal.client.workflow.getHandle(sessionId).terminate('test done');

    expectWellFormedLog(events, events.length);
    const uses = ofType(events, 'agent.mcp_tool_use');
    expect(uses.map(({ mcp_server_name, name, input }) => ({ mcp_server_name, name, input }))).toEqual([
      { mcp_server_name: 'tickets', name: 'lookup_ticket', input: { id: 'T-1' } },
      { mcp_server_name: 'tickets', name: 'add', input: { a: 2, b: 3 } },
    ]);
    expect(uses.every((use) => use.evaluated_permission === 'allow')).toBe(true);
    const results = ofType(events, 'agent.mcp_tool_result');
    expect(results.map((result) => [textOf(result.content), result.is_error])).toEqual([
      ['Ticket T-1: printer on fire', false],
      ['sum=5', false],
    ]);
    expect(results.map((result) => result.mcp_tool_use_id)).toEqual(uses.map((use) => use.tool_use_id));
    expect(ofType(events, 'agent.tool_use')).toEqual([]);
    expect(mcp.calls.map((call) => call.name)).toEqual(['lookup_ticket', 'add']);
    expect(ofType(events, 'agent.message').map((event) => textOf(event.content))).toEqual(['T-1 is burning.', 'Five.']);
  });

  it('asks before an MCP call under the default policy (always_ask), allowing one tool and denying another', async () => {
    const system = 'TICKETS-ASK';
    harness.model.setScenario({
      rules: [
        {
          match: { system, last_user_text: 'ask' },
          times: 1,
          reply: {
            content: [
              { type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-2' } },
              { type: 'tool_use', name: 'add', input: { a: 1, b: 1 } },
              { type: 'tool_use', name: 'whoami', input: {} },
            ],
          },
        },
        { match: { system }, reply: text('Asked.') },
      ],
    });
    const callsBefore = mcp.calls.length;
    const agent = agentWith([{ name: 'tickets', url: mcp.url }], system);
    // The toolset's default (always_ask, the API's) applies; `whoami` is allowed by its own config.
    agent.tools = [
      {
        type: 'mcp_toolset',
        mcp_server_name: 'tickets',
        configs: [{ name: 'whoami', permission_policy: { type: 'always_allow' } }],
      },
    ];
    const sessionId = await harness.lucid.startSession({ agent, message: 'ask', keep_alive_seconds: 30 });
    let waiting: string[] = [];
    await waitFor(async () => {
      const snapshot = await harness.lucid.snapshot(sessionId);
      if (snapshot?.stop_reason?.type === 'requires_action') waiting = snapshot.stop_reason.event_ids;
      return waiting.length > 0;
    }, 'requires_action');
    const uses = ofType(await harness.store.readEvents(sessionId), 'agent.mcp_tool_use');
    expect(uses.map((use) => [use.name, use.evaluated_permission, use.evaluation])).toEqual([
      ['lookup_ticket', 'ask', { type: 'always_ask' }],
      ['add', 'ask', { type: 'always_ask' }],
      ['whoami', 'allow', undefined],
    ]);
    expect(waiting).toEqual([uses[0].id, uses[1].id]);
    await harness.lucid.confirmToolUse(sessionId, { tool_use_id: uses[0].id, result: 'allow' });
    await harness.lucid.confirmToolUse(sessionId, { tool_use_id: uses[1].id, result: 'deny' });
    await waitFor(async () => (await harness.lucid.snapshot(sessionId))?.final_message === 'Asked.', 'the turn');
    const events = await harness.store.readEvents(sessionId);
    await harness.temporal.client.workflow.getHandle(sessionId).terminate('test done');
    const results = ofType(events, 'agent.mcp_tool_result');
    expect(results.map((result) => [textOf(result.content), result.is_error])).toEqual([
      ['Ticket T-2: coffee machine empty', false],
      ['the user denied the add call', true],
      [expect.any(String), false],
    ]);
    // The denied call never reached the server.
    expect(
      mcp.calls
        .slice(callsBefore)
        .map((call) => call.name)
        .sort(),
    ).toEqual(['lookup_ticket', 'whoami']);
  });

  it('reports a server that cannot be reached as mcp_connection_failed_error and goes on with the others', async () => {
    const system = 'TICKETS-2';
    const closed = await startTestMcpServer();
    const deadUrl = closed.url;
    await closed.stop();
    harness.model.setScenario({
      rules: [
        { match: { system, last_user_text: 'go' }, times: 1, reply: toolUse('lookup_ticket', { id: 'T-2' }) },
        { match: { system, last_tool_result: 'coffee' }, times: 1, reply: text('Coffee is out.') },
      ],
    });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({
      agent: agentWith(
        [
          { name: 'gone', url: deadUrl },
          { name: 'tickets', url: mcp.url },
        ],
        system,
      ),
      message: 'go',
    });
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.final_message).toBe('Coffee is out.');
    const events = await harness.store.readEvents(sessionId);
    const errors = ofType(events, 'session.error').map((event) => event.error);
    expect(errors).toEqual([
      expect.objectContaining({
        type: 'mcp_connection_failed_error',
        mcp_server_name: 'gone',
        retry_status: { type: 'exhausted' },
      }),
    ]);
    expect(errors[0].message).toMatch(/cannot list tools/);
    // Tools of the reachable server are offered under their own names, once.
    const names = (harness.model.requests[before].body as { tools: Array<{ name: string }> }).tools.map((t) => t.name);
    expect(names.filter((name) => name === 'lookup_ticket')).toHaveLength(1);
  });

  it('turns an isError result and a garbage answer into tool errors the model sees', async () => {
    const system = 'TICKETS-3';
    harness.model.setScenario({
      rules: [
        { match: { system, last_user_text: 'break' }, times: 1, reply: toolUse('broken_tool') },
        { match: { system, last_tool_result: 'database is down' }, times: 1, reply: toolUse('garbage') },
        { match: { system, last_tool_result: 'failed the call of garbage' }, times: 1, reply: text('Both failed.') },
      ],
    });
    const sessionId = await harness.lucid.startSession({
      agent: agentWith([{ name: 'tickets', url: mcp.url }], system),
      message: 'break',
    });
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.final_message).toBe('Both failed.');
    const results = ofType(await harness.store.readEvents(sessionId), 'agent.mcp_tool_result');
    expect(results.map((result) => result.is_error)).toEqual([true, true]);
    expect(textOf(results[0].content)).toBe('the ticket database is down');
    expect(textOf(results[1].content)).toMatch(/MCP server "tickets" failed the call of garbage/);
  });

  it('sends the auth header from the worker configuration and keeps it out of the log and history', async () => {
    const system = 'TICKETS-4';
    harness.model.setScenario({
      rules: [
        { match: { system, last_user_text: 'who' }, times: 1, reply: toolUse('whoami') },
        { match: { system, last_tool_result: 'authorized: yes' }, times: 1, reply: text('Authorized.') },
      ],
    });
    const sessionId = await harness.lucid.startSession({
      agent: agentWith([{ name: 'tickets', url: mcp.url }], system),
      message: 'who',
    });
    expect((await harness.lucid.result(sessionId)).final_message).toBe('Authorized.');
    const events = await harness.store.readEvents(sessionId);
    expect(JSON.stringify(events)).not.toContain('mcp-test-token');
    const history = await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory();
    expect(occurrencesInHistory(history.events ?? [], 'whoami')).toBeGreaterThan(0); // payloads are read
    expect(occurrencesInHistory(history.events ?? [], 'mcp-test-token')).toBe(0);
  });

  it('starts an allowed stdio server on the worker, without the worker environment, and refuses any other command', async () => {
    const system = 'STDIO-1';
    harness.model.setScenario({
      rules: [
        { match: { system, last_user_text: 'shout' }, times: 1, reply: toolUse('shout', { word: 'hello' }) },
        { match: { system, last_tool_result: 'HELLO' }, times: 1, reply: toolUse('echo_env') },
        { match: { system, last_tool_result: 'secret: absent' }, times: 1, reply: text('Done.') },
      ],
    });
    const script = path.join(__dirname, '..', 'helpers', 'mcp-stdio-server.js');
    const sessionId = await harness.lucid.startSession({
      agent: {
        ...agentWith([], system),
        mcp_servers: [
          { type: 'stdio', name: 'local', command: process.execPath, args: [script, '--quiet'] },
          { type: 'stdio', name: 'not-allowed', command: '/bin/sh', args: ['-c', 'true'] },
        ],
        tools: [
          {
            type: 'mcp_toolset',
            mcp_server_name: 'local',
            default_config: { permission_policy: { type: 'always_allow' as const } },
          },
          {
            type: 'mcp_toolset',
            mcp_server_name: 'not-allowed',
            default_config: { permission_policy: { type: 'always_allow' as const } },
          },
        ],
      },
      message: 'shout',
    });
    expect((await harness.lucid.result(sessionId)).final_message).toBe('Done.');
    const events = await harness.store.readEvents(sessionId);
    const errors = ofType(events, 'session.error').map((event) => event.error);
    expect(errors).toEqual([
      expect.objectContaining({ type: 'mcp_connection_failed_error', mcp_server_name: 'not-allowed' }),
    ]);
    expect(errors[0].message).toMatch(/does not allow the stdio command/);
    const results = ofType(events, 'agent.mcp_tool_result').map((result) => textOf(result.content));
    expect(results).toEqual(['HELLO (args: --quiet)', 'secret: absent']);
  });

  it('stops an MCP call in flight on interrupt, as a tool error saying it may have run', async () => {
    const system = 'TICKETS-5';
    harness.model.setScenario({
      rules: [{ match: { system, last_user_text: 'wait' }, times: 1, reply: toolUse('slow', { ms: 8000 }) }],
    });
    const sessionId = await harness.lucid.startSession({
      agent: agentWith([{ name: 'tickets', url: mcp.url }], system),
      message: 'wait',
    });
    await waitFor(() => mcp.calls.some((call) => call.name === 'slow'), 'the slow call to reach the server');
    await harness.lucid.interrupt(sessionId);
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    const events = await harness.store.readEvents(sessionId);
    const results = ofType(events, 'agent.mcp_tool_result');
    expect(results.map((result) => [textOf(result.content), result.is_error])).toEqual([
      ['the call of slow was interrupted by the user; it may or may not have run on the server', true],
    ]);
    expect(events.findIndex((event) => event.type === 'user.interrupt')).toBeLessThan(
      events.findIndex((event) => event.type === 'agent.mcp_tool_result'),
    );
  });
});
