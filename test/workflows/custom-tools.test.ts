/**
 * Custom tools against the real dev server and a real worker: the model's call is an `agent.custom_tool_use`,
 * the session idles with `requires_action`, the client answers by Update (or by signal, as the Temporal CLI
 * does), and the answers reach the model in call order. Bad answers are refused and change nothing; an
 * interrupt and the wait limit end the calls as tool errors the model sees.
 */
import { WorkflowUpdateFailedError, type ApplicationFailure } from '@temporalio/client';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import { MAX_CUSTOM_TOOL_RESULT_CHARS } from '../../src/domain/custom-tools';
import { InvalidSessionInputError } from '../../src/errors';
import { SessionRequestRejection, customToolResultSignal } from '../../src/workflows/api/session-api';
import { execFileSync } from 'node:child_process';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import {
  expectSessionReplays,
  startSessionHarness,
  startWithTemporalCli,
  waitForEvents,
  waitForRequiresAction,
  type SessionHarness,
} from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

const lookupTicket = {
  type: 'custom' as const,
  name: 'lookup_ticket',
  description: 'Look a ticket up in the tracker',
  input_schema: { type: 'object' as const, properties: { id: { type: 'string' } }, required: ['id'] },
};

const agent: AgentDefinition = {
  name: 'ticket-clerk',
  model: 'scripted-small',
  system: 'You answer questions about tickets.',
  tools: ['write_file', lookupTicket],
  max_turns: 10,
  max_tokens: 256,
};

async function rejectionOf(call: Promise<unknown>): Promise<{ type: string | undefined | null; message: string }> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause as ApplicationFailure;
  return { type: cause.type, message: cause.message };
}

describe('custom tools', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
  });
  afterAll(async () => harness?.close());

  const events = (sessionId: string) => harness.lucid.readEvents(sessionId);

  const eventsOf = <T extends SessionEvent['type']>(sessionId: string, type: T, count = 1) =>
    waitForEvents(harness.lucid, sessionId, type, count);

  /** The new code paths are deterministic: the session's history so far replays without an error. */
  const expectReplays = (sessionId: string) => expectSessionReplays(harness, sessionId);

  const requiresAction = (sessionId: string, count = 1) => waitForRequiresAction(harness.lucid, sessionId, count);

  it('waits for the client, takes answers in any order, and gives them to the model in call order', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { last_user_text: 'tickets 1 and 2' },
          reply: {
            content: [
              { type: 'tool_use', id: 'toolu_t1', name: 'lookup_ticket', input: { id: 'T-1' } },
              { type: 'tool_use', id: 'toolu_w', name: 'write_file', input: { path: 'note.txt', content: 'hi' } },
              { type: 'tool_use', id: 'toolu_t2', name: 'lookup_ticket', input: { id: 'T-2' } },
            ],
          },
        },
        { match: { last_tool_result: 'T-2 is closed' }, reply: { content: [{ type: 'text', text: 'both done' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'tickets 1 and 2', keep_alive_seconds: 30 });
    const uses = await eventsOf(sessionId, 'agent.custom_tool_use', 2);
    expect(uses.map((use) => use.input)).toEqual([{ id: 'T-1' }, { id: 'T-2' }]);
    expect(await requiresAction(sessionId)).toEqual(uses.map((use) => use.id));
    expect(await harness.lucid.snapshot(sessionId)).toMatchObject({
      status: 'idle',
      stop_reason: { type: 'requires_action', event_ids: uses.map((use) => use.id) },
    });
    // The built-in call of the same turn ran; no agent.tool_use was logged for the custom calls.
    const logged = await events(sessionId);
    expect(logged.filter((event) => event.type === 'agent.tool_use').map((event) => event.name)).toEqual([
      'write_file',
    ]);

    const second = await harness.lucid.sendCustomToolResult(sessionId, {
      custom_tool_use_id: uses[1].id,
      content: [{ type: 'text', text: 'T-2 is closed' }],
    });
    // One answer of two: idle again, naming the call still waiting.
    expect(await requiresAction(sessionId, 2)).toEqual([uses[0].id]);
    await harness.lucid.sendCustomToolResult(sessionId, {
      custom_tool_use_id: uses[0].id,
      content: [{ type: 'text', text: 'T-1 is open' }],
    });
    await waitFor(
      async () => (await harness.lucid.snapshot(sessionId))?.final_message === 'both done',
      'the turn to end',
    );
    const after = await events(sessionId);
    expect(after.find((event) => event.seq === second.seq)).toMatchObject({
      type: 'user.custom_tool_result',
      custom_tool_use_id: uses[1].id,
      tool_use_id: 'toolu_t2',
      content: [{ type: 'text', text: 'T-2 is closed' }],
      is_error: false,
    });
    const types = after.map((event) => event.type);
    expect(types.filter((type) => type === 'session.status_running')).toHaveLength(2);
    const resultsSent = harness.model.requests.at(-1)!.body.messages.at(-1).content;
    expect(resultsSent.map((block: { tool_use_id: string }) => block.tool_use_id)).toEqual([
      'toolu_t1',
      'toolu_w',
      'toolu_t2',
    ]);
    expect(harness.model.requests.at(-1)!.body.tools.map((tool: { name: string }) => tool.name)).toContain(
      'lookup_ticket',
    );
    await expectReplays(sessionId);
  });

  it('refuses a wrong id, a second answer and a malformed result, changing nothing; cuts an oversized one', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { last_user_text: 'ticket 3' },
          reply: { content: [{ type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-3' } }] },
        },
        {
          match: { last_user_text: 'ticket 4' },
          reply: { content: [{ type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-4' } }] },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'noted' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'ticket 3', keep_alive_seconds: 30 });
    const [use] = await eventsOf(sessionId, 'agent.custom_tool_use');
    await requiresAction(sessionId);
    const before = await events(sessionId);

    expect(
      await rejectionOf(
        harness.lucid.sendCustomToolResult(sessionId, { custom_tool_use_id: 'sevt_nope', content: [] }),
      ),
    ).toEqual({
      type: SessionRequestRejection.invalid,
      message: `no call waits for an answer under sevt_nope (the calls waiting are ${use.id}); nothing was changed`,
    });
    expect(
      await rejectionOf(
        harness.lucid.sendCustomToolResult(sessionId, {
          custom_tool_use_id: use.id,
          content: [{ type: 'image', source: { type: 'base64' } }] as never,
        }),
      ),
    ).toMatchObject({ type: SessionRequestRejection.invalid, message: expect.stringContaining('only text blocks') });
    expect(await events(sessionId)).toEqual(before);

    const big = 'x'.repeat(MAX_CUSTOM_TOOL_RESULT_CHARS + 500);
    const accepted = await harness.lucid.sendCustomToolResult(sessionId, {
      custom_tool_use_id: use.id,
      content: [{ type: 'text', text: big }],
      is_error: true,
    });
    expect(
      await rejectionOf(harness.lucid.sendCustomToolResult(sessionId, { custom_tool_use_id: use.id, content: [] })),
    ).toEqual({
      type: SessionRequestRejection.invalid,
      message: `${use.id} has been answered already; nothing was changed`,
    });
    await waitFor(async () => (await harness.lucid.snapshot(sessionId))?.final_message === 'noted', 'the turn to end');
    const result = (await events(sessionId)).find((event) => event.seq === accepted.seq);
    expect(result).toMatchObject({ type: 'user.custom_tool_result', is_error: true });
    const text = (result as Extract<SessionEvent, { type: 'user.custom_tool_result' }>).content[0].text;
    expect(text).toBe(
      `${'x'.repeat(MAX_CUSTOM_TOOL_RESULT_CHARS)}\n[output truncated: showed ${MAX_CUSTOM_TOOL_RESULT_CHARS} of ${big.length} characters]`,
    );
    expect((await events(sessionId)).filter((event) => event.type === 'user.custom_tool_result')).toHaveLength(1);

    // The signal (the Temporal CLI's way): a bad one is a visible session.error, a good one answers the call.
    await harness.lucid.sendMessage(sessionId, 'ticket 4');
    const [, second] = await eventsOf(sessionId, 'agent.custom_tool_use', 2);
    await requiresAction(sessionId, 2);
    const handle = harness.temporal.client.workflow.getHandle(sessionId);
    await handle.signal(customToolResultSignal, { custom_tool_use_id: use.id, content: [] });
    const [error] = await eventsOf(sessionId, 'session.error');
    expect(error.error).toMatchObject({
      type: 'invalid_request_error',
      message: expect.stringContaining('answered already'),
    });
    await handle.signal(customToolResultSignal, {
      custom_tool_use_id: second.id,
      content: [{ type: 'text', text: 'T-4 is open' }],
    });
    await eventsOf(sessionId, 'user.custom_tool_result', 2);
    await eventsOf(sessionId, 'agent.message', 2);
    expect(JSON.stringify(harness.model.requests.at(-1)!.body.messages.at(-1))).toContain('T-4 is open');
    await expectReplays(sessionId);
  });

  it('refuses a malformed input_schema or a name of Lucid’s own tools at session start', async () => {
    const start = (tool: unknown) =>
      harness.lucid.startSession({ agent: { ...agent, tools: [tool as typeof lookupTicket] }, message: 'hi' });
    await expect(start({ ...lookupTicket, input_schema: { type: 'array' } })).rejects.toThrow(
      /input_schema must be an object schema/,
    );
    await expect(start({ ...lookupTicket, name: 'bash' })).rejects.toThrow(
      /the name "bash" is taken by one of Lucid's tools/,
    );
    await expect(start({ ...lookupTicket, name: 'has space' })).rejects.toThrow(/letters, digits/);
    let deep: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < 40; level++) deep = { type: 'object', properties: { inner: deep } };
    await expect(start({ ...lookupTicket, input_schema: deep })).rejects.toThrow(/nests deeper than 32/);
    const huge = { type: 'object', description: 'd'.repeat(70_000) };
    await expect(start({ ...lookupTicket, input_schema: huge })).rejects.toThrow(/at most 65536/);
    await expect(
      harness.lucid.startSession({ agent: { ...agent, tools: [lookupTicket, lookupTicket] }, message: 'hi' }),
    ).rejects.toThrow(/another tool is already named "lookup_ticket"/);
    await expect(start({ ...lookupTicket, input_schema: { type: 'array' } })).rejects.toBeInstanceOf(
      InvalidSessionInputError,
    );
  });

  it('an interrupt while waiting ends the calls as tool errors the model sees next', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { last_user_text: 'ticket 5' },
          reply: { content: [{ type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-5' } }] },
        },
        { match: { last_user_text: 'never mind' }, reply: { content: [{ type: 'text', text: 'ok' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'ticket 5', keep_alive_seconds: 30 });
    const [use] = await eventsOf(sessionId, 'agent.custom_tool_use');
    await requiresAction(sessionId);
    await harness.lucid.interrupt(sessionId);
    const [result] = await eventsOf(sessionId, 'agent.tool_result');
    expect(result).toMatchObject({ tool_use_id: use.tool_use_id, is_error: true });
    expect(result.content[0].text).toContain('cancelled');
    await waitFor(async () => {
      const idles = (await events(sessionId)).filter((event) => event.type === 'session.status_idle');
      return idles.at(-1)?.stop_reason.type === 'end_turn';
    }, 'the interrupted turn to end');
    expect(
      await rejectionOf(harness.lucid.sendCustomToolResult(sessionId, { custom_tool_use_id: use.id, content: [] })),
    ).toMatchObject({ message: `${use.id} was cancelled by an interrupt; nothing was changed` });

    await harness.lucid.sendMessage(sessionId, 'never mind');
    await waitFor(async () => (await harness.lucid.snapshot(sessionId))?.final_message === 'ok', 'the next turn');
    const sent = JSON.stringify(harness.model.requests.at(-1)!.body.messages);
    expect(sent).toContain('the user interrupted before the client answered');
    await expectReplays(sessionId);
  });

  it('works from the Temporal CLI: start with a custom tool, answer by signal; a bad schema fails the start', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { last_user_text: 'ticket 8' },
          reply: { content: [{ type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-8' } }] },
        },
        { match: { last_tool_result: 'T-8 is open' }, reply: { content: [{ type: 'text', text: 'open' }] } },
      ],
    });
    const sessionId = `custom-cli-${Date.now().toString(36)}`;
    const handle = startWithTemporalCli(harness, sessionId, { agent, message: 'ticket 8' });
    const [useId] = await requiresAction(sessionId);
    const result = { custom_tool_use_id: useId, content: [{ type: 'text', text: 'T-8 is open' }] };
    execFileSync(
      ensureTemporalCli(),
      ['workflow', 'signal', '--address', harness.temporal.address, '--workflow-id', sessionId].concat([
        '--name',
        'user.custom_tool_result',
        '--input',
        JSON.stringify(result),
      ]),
      { stdio: 'pipe' },
    );
    expect((await handle.result()).final_message).toBe('open');

    const bad = startWithTemporalCli(harness, `${sessionId}-bad`, {
      agent: { ...agent, tools: [{ ...lookupTicket, input_schema: { type: 'object', properties: 'id' } }] },
      message: 'ticket 8',
    });
    await expect(bad.result()).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/^invalid session input: agent.*input_schema\.properties/) },
    });
  });

  it('archiving a session that waits ends its calls and the session', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { last_user_text: 'ticket 7' },
          reply: { content: [{ type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-7' } }] },
        },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'ticket 7', keep_alive_seconds: 30 });
    await requiresAction(sessionId);
    const snapshot = await harness.lucid.archive(sessionId);
    expect(snapshot.status).toBe('terminated');
    const [result] = await eventsOf(sessionId, 'agent.tool_result');
    expect(result).toMatchObject({ is_error: true });
    expect((await events(sessionId)).at(-1)?.type).toBe('session.status_terminated');
    await expectReplays(sessionId);
  });

  it('the wait limit ends an unanswered call as a tool error and the session runs on', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { last_user_text: 'ticket 6' },
          reply: { content: [{ type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-6' } }] },
        },
        {
          match: { last_tool_result: 'no result from the client' },
          reply: { content: [{ type: 'text', text: 'gave up' }] },
        },
      ],
    });
    const sessionId = await harness.lucid.startSession({
      agent,
      message: 'ticket 6',
      keep_alive_seconds: 30,
      custom_tool_wait_seconds: 2,
    });
    const [use] = await eventsOf(sessionId, 'agent.custom_tool_use');
    await waitFor(async () => (await harness.lucid.snapshot(sessionId))?.final_message === 'gave up', 'the wait limit');
    const [result] = await eventsOf(sessionId, 'agent.tool_result');
    expect(result).toMatchObject({
      tool_use_id: use.tool_use_id,
      is_error: true,
      content: [{ type: 'text', text: 'the lookup_ticket call got no result from the client within 2 s' }],
    });
    await expectReplays(sessionId);
  });
});
