/**
 * Permission confirmations against the real dev server and a real worker: a call of an always_ask tool is logged
 * with `evaluated_permission: "ask"`, the session idles with `requires_action` (one list with custom tool calls),
 * and `user.tool_confirmation` by Update or signal runs the call or turns it into a tool error with the deny
 * message. Bad answers are refused and change nothing; an interrupt denies the waiting call.
 */
import { WorkflowUpdateFailedError, type ApplicationFailure } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import { SessionRequestRejection, toolConfirmationSignal } from '../../src/workflows/api/session-api';
import {
  expectSessionReplays,
  startSessionHarness,
  waitForEvents,
  waitForFinalMessage,
  waitForRequiresAction,
  workspaceOf,
  type SessionHarness,
} from '../helpers/session';

const lookupTicket = {
  type: 'custom' as const,
  name: 'lookup_ticket',
  description: 'Look a ticket up in the tracker',
  input_schema: { type: 'object' as const, properties: { id: { type: 'string' } } },
};

const agent: AgentDefinition = {
  name: 'careful-writer',
  model: 'scripted-small',
  system: 'You write notes, carefully.',
  tools: [
    {
      type: 'agent_toolset_20260401',
      default_config: { enabled: false },
      configs: [
        { name: 'write', enabled: true, permission_policy: { type: 'always_ask' } },
        { name: 'glob', enabled: true },
      ],
    },
    lookupTicket,
  ],
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

const writeNote = (id: string, file: string) => ({
  type: 'tool_use' as const,
  id,
  name: 'write',
  input: { file_path: `/workspace/${file}`, content: 'hello' },
});

describe('permission confirmations', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
  });
  afterAll(async () => harness?.close());

  const events = (sessionId: string) => harness.lucid.readEvents(sessionId);

  const eventsOf = <T extends SessionEvent['type']>(sessionId: string, type: T, count = 1) =>
    waitForEvents(harness.lucid, sessionId, type, count);

  const requiresAction = (sessionId: string, count = 1) => waitForRequiresAction(harness.lucid, sessionId, count);

  const finalMessage = (sessionId: string, text: string) => waitForFinalMessage(harness, sessionId, text);
  const expectReplays = (sessionId: string) => expectSessionReplays(harness, sessionId);

  it('asks before an always_ask call, in one requires_action with a custom call, and runs it once allowed', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { last_user_text: 'note and ticket' },
          reply: {
            content: [
              writeNote('toolu_w1', 'note.txt'),
              { type: 'tool_use', id: 'toolu_g', name: 'glob', input: { pattern: '*' } },
              { type: 'tool_use', id: 'toolu_t', name: 'lookup_ticket', input: { id: 'T-1' } },
            ],
          },
        },
        { match: { last_tool_result: 'T-1 is open' }, reply: { content: [{ type: 'text', text: 'all done' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'note and ticket', keep_alive_seconds: 30 });
    const [custom] = await eventsOf(sessionId, 'agent.custom_tool_use');
    const uses = await eventsOf(sessionId, 'agent.tool_use', 2);
    const write = uses.find((use) => use.name === 'write')!;
    const glob = uses.find((use) => use.name === 'glob')!;
    expect(write).toMatchObject({ evaluated_permission: 'ask', evaluation: { type: 'always_ask' } });
    // An allowed call's event stays as it always was.
    expect(glob).not.toHaveProperty('evaluated_permission');
    expect(await requiresAction(sessionId)).toEqual([write.id, custom.id]);
    expect(fs.existsSync(path.join(workspaceOf(harness, sessionId), 'note.txt'))).toBe(false);

    const before = await events(sessionId);
    expect(
      await rejectionOf(harness.lucid.confirmToolUse(sessionId, { tool_use_id: 'sevt_nope', result: 'allow' })),
    ).toEqual({
      type: SessionRequestRejection.invalid,
      message: `no call waits for an answer under sevt_nope (the calls waiting are ${write.id}, ${custom.id}); nothing was changed`,
    });
    expect(
      await rejectionOf(harness.lucid.confirmToolUse(sessionId, { tool_use_id: custom.id, result: 'allow' })),
    ).toMatchObject({ message: expect.stringContaining('answer it with user.custom_tool_result') });
    expect(
      await rejectionOf(harness.lucid.sendCustomToolResult(sessionId, { custom_tool_use_id: write.id, content: [] })),
    ).toMatchObject({ message: expect.stringContaining('waits for a user.tool_confirmation') });
    expect(
      await rejectionOf(
        harness.lucid.confirmToolUse(sessionId, { tool_use_id: write.id, result: 'allow', deny_message: 'no' }),
      ),
    ).toMatchObject({ message: expect.stringContaining('deny_message is only allowed') });
    expect(await events(sessionId)).toEqual(before);

    const accepted = await harness.lucid.confirmToolUse(sessionId, {
      tool_use_id: write.id,
      result: 'allow',
      decided_by: 'cli',
    });
    expect(
      await rejectionOf(harness.lucid.confirmToolUse(sessionId, { tool_use_id: write.id, result: 'deny' })),
    ).toEqual({
      type: SessionRequestRejection.invalid,
      message: `${write.id} has been answered already; nothing was changed`,
    });
    expect(await requiresAction(sessionId, 2)).toEqual([custom.id]);
    await harness.lucid.sendCustomToolResult(sessionId, {
      custom_tool_use_id: custom.id,
      content: [{ type: 'text', text: 'T-1 is open' }],
    });
    await finalMessage(sessionId, 'all done');

    const after = await events(sessionId);
    expect(after.find((event) => event.seq === accepted.seq)).toMatchObject({
      type: 'user.tool_confirmation',
      tool_use_id: write.id,
      result: 'allow',
      decided_by: 'cli',
    });
    expect(fs.readFileSync(path.join(workspaceOf(harness, sessionId), 'note.txt'), 'utf8')).toBe('hello');
    const results = after.filter((event) => event.type === 'agent.tool_result');
    expect(results.find((event) => event.tool_use_id === 'toolu_w1')).toMatchObject({ is_error: false });
    await expectReplays(sessionId);
  });

  it('a denial by signal is a tool error with the message, and the call does not run', async () => {
    harness.model.setScenario({
      rules: [
        { match: { last_user_text: 'write secret' }, reply: { content: [writeNote('toolu_w2', 'secret.txt')] } },
        { match: { last_tool_result: 'not today' }, reply: { content: [{ type: 'text', text: 'understood' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'write secret', keep_alive_seconds: 30 });
    const [write] = await requiresAction(sessionId);
    await harness.temporal.client.workflow
      .getHandle(sessionId)
      .signal(toolConfirmationSignal, { tool_use_id: write, result: 'deny', deny_message: 'not today' });
    await finalMessage(sessionId, 'understood');
    const after = await events(sessionId);
    expect(after.find((event) => event.type === 'user.tool_confirmation')).toMatchObject({
      tool_use_id: write,
      result: 'deny',
      deny_message: 'not today',
      decided_by: 'temporal',
    });
    expect(after.find((event) => event.type === 'agent.tool_result')).toMatchObject({
      tool_use_id: 'toolu_w2',
      is_error: true,
      content: [{ type: 'text', text: 'the user denied the write call: not today' }],
    });
    expect(fs.existsSync(path.join(workspaceOf(harness, sessionId), 'secret.txt'))).toBe(false);
    await expectReplays(sessionId);
  });

  it('an interrupt while a confirmation waits denies the call as a tool error', async () => {
    harness.model.setScenario({
      rules: [
        { match: { last_user_text: 'write later' }, reply: { content: [writeNote('toolu_w3', 'later.txt')] } },
        { match: {}, reply: { content: [{ type: 'text', text: 'stopped' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'write later', keep_alive_seconds: 30 });
    await requiresAction(sessionId);
    await harness.lucid.interrupt(sessionId);
    const [result] = await eventsOf(sessionId, 'agent.tool_result');
    expect(result).toMatchObject({
      tool_use_id: 'toolu_w3',
      is_error: true,
      content: [{ type: 'text', text: 'the write call was denied: the user interrupted before confirming it' }],
    });
    expect(fs.existsSync(path.join(workspaceOf(harness, sessionId), 'later.txt'))).toBe(false);
    await expectReplays(sessionId);
  });

  it('the custom tool wait limit ends an unconfirmed call as a denial the model sees', async () => {
    harness.model.setScenario({
      rules: [
        { match: { last_user_text: 'write unseen' }, reply: { content: [writeNote('toolu_w4', 'unseen.txt')] } },
        {
          match: { last_tool_result: 'no confirmation came' },
          reply: { content: [{ type: 'text', text: 'gave up' }] },
        },
      ],
    });
    const sessionId = await harness.lucid.startSession({
      agent,
      message: 'write unseen',
      keep_alive_seconds: 30,
      custom_tool_wait_seconds: 2,
    });
    await finalMessage(sessionId, 'gave up');
    expect((await eventsOf(sessionId, 'agent.tool_result'))[0]).toMatchObject({
      tool_use_id: 'toolu_w4',
      is_error: true,
      content: [{ type: 'text', text: 'the write call was denied: no confirmation came within 2 s' }],
    });
    expect(fs.existsSync(path.join(workspaceOf(harness, sessionId), 'unseen.txt'))).toBe(false);
  });
});
