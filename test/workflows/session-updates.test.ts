/**
 * The session's Updates against the real dev server: `user.message`, `user.define_outcome` and `user.interrupt`
 * are validated before they reach history (a bad one is an error to the caller and leaves no trace), a good one
 * answers with the event it was accepted as, and the signals of the same names still work for older callers.
 */
import { ApplicationFailure, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import * as workflows from '../../src/workflows';
import { DREAM_WORKFLOW } from '../../src/workflows/api/dream-api';
import {
  AGENT_SESSION_WORKFLOW,
  SessionRequestRejection,
  defineOutcomeUpdate,
  userMessageSignal,
  userMessageUpdate,
} from '../../src/workflows/api/session-api';
import { Worker } from '@temporalio/worker';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { waitFor } from '../helpers/wait-for';
import { workflowBundle } from '../helpers/temporal';

const agent: AgentDefinition = {
  name: 'updatable',
  model: 'scripted-small',
  system: 'Answer briefly.',
  tools: ['write_file'],
  max_turns: 10,
  max_tokens: 256,
};

/** Every payload of a history decoded as text, to search it for what must not be there. */
function payloadTexts(history: unknown): string {
  const texts: string[] = [];
  const visit = (value: unknown): void => {
    if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(history);
  return texts.join('\n');
}

/** The failure an update was rejected with: its ApplicationFailure type and message. */
async function rejectionOf(call: Promise<unknown>): Promise<{ type: string | undefined | null; message: string }> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (error as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return { type: (cause as ApplicationFailure).type, message: (cause as ApplicationFailure).message };
}

describe('workflow API modules', () => {
  it('name the workflow types the worker registers (its workflowsPath exports)', () => {
    expect(Object.keys(workflows).sort()).toEqual([AGENT_SESSION_WORKFLOW, DREAM_WORKFLOW].sort());
  });
});

describe('session updates', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
  });
  afterAll(async () => harness?.close());

  async function waitForStatus(sessionId: string, status: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while ((await harness.lucid.snapshot(sessionId))?.status !== status) {
      if (Date.now() > deadline) throw new Error(`session ${sessionId} never became ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits for the turn a message at `seq` started to end. */
  async function idleAfter(sessionId: string, seq: number): Promise<void> {
    await waitFor(async () => {
      const events = await harness.lucid.readEvents(sessionId);
      return events.some((event) => event.seq > seq && event.type === 'session.status_idle');
    }, `session ${sessionId} to be idle after event ${seq}`);
  }

  async function eventAt(sessionId: string, seq: number): Promise<SessionEvent | undefined> {
    return (await harness.lucid.readEvents(sessionId)).find((event) => event.seq === seq);
  }

  it('rejects a malformed message before history, accepts a good one with its event, and keeps the signal', async () => {
    harness.model.setScenario({
      rules: [
        { match: { last_user_text: 'first' }, reply: { content: [{ type: 'text', text: 'one' }] } },
        { match: { last_user_text: 'by update' }, reply: { content: [{ type: 'text', text: 'two' }] } },
        { match: { last_user_text: 'by signal' }, reply: { content: [{ type: 'text', text: 'three' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'first', keep_alive_seconds: 30 });
    const handle: WorkflowHandle = harness.temporal.client.workflow.getHandle(sessionId);
    await waitForStatus(sessionId, 'idle');
    const eventsBefore = await harness.lucid.readEvents(sessionId);

    const malformed = { text: 'MALFORMED-UPDATE-MARKER', urgent: true };
    expect(await rejectionOf(handle.executeUpdate(userMessageUpdate, { args: [malformed] }))).toEqual({
      type: SessionRequestRejection.invalid,
      message: 'invalid user.message: (input): Unrecognized key: "urgent"',
    });
    expect(await rejectionOf(harness.lucid.sendMessage(sessionId, ''))).toMatchObject({
      type: SessionRequestRejection.invalid,
    });
    // Nothing of the rejected updates reached the history or the event log (a bad signal shows as session.error).
    const history = await handle.fetchHistory();
    expect(payloadTexts(history)).not.toContain('MALFORMED-UPDATE-MARKER');
    expect((history.events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes)).toEqual([]);
    expect(await harness.lucid.readEvents(sessionId)).toEqual(eventsBefore);
    expect(await harness.lucid.snapshot(sessionId)).toMatchObject({ status: 'idle', final_message: 'one' });

    const accepted = await harness.lucid.sendMessage(sessionId, 'by update');
    expect(accepted).toEqual({ event_id: expect.stringMatching(/^sevt_/), seq: eventsBefore.length + 1 });
    expect(await eventAt(sessionId, accepted.seq)).toMatchObject({
      id: accepted.event_id,
      type: 'user.message',
      content: [{ type: 'text', text: 'by update' }],
    });
    await waitForStatus(sessionId, 'idle');
    expect((await harness.lucid.snapshot(sessionId))?.final_message).toBe('two');

    // The signal of the same name, as `temporal workflow signal --name user.message` sends it.
    await handle.signal(userMessageSignal, { text: 'by signal' });
    const deadline = Date.now() + 30_000;
    while ((await harness.lucid.snapshot(sessionId))?.final_message !== 'three') {
      if (Date.now() > deadline) throw new Error('the signalled message was never answered');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await handle.terminate('test over');
    await expect(
      Worker.runReplayHistory({ workflowBundle: workflowBundle() }, await handle.fetchHistory(), sessionId),
    ).resolves.toBeUndefined();
  });

  it('takes content blocks by update and signal; an image whose file is gone reaches the model as a note', async () => {
    harness.model.setScenario({ rules: [{ match: {}, reply: { content: [{ type: 'text', text: 'noted' }] } }] });
    const sessionId = await harness.lucid.startSession({ agent, message: 'start', keep_alive_seconds: 30 });
    const handle: WorkflowHandle = harness.temporal.client.workflow.getHandle(sessionId);
    await waitForStatus(sessionId, 'idle');
    const content = [
      { type: 'text' as const, text: 'CONTENT-BY-UPDATE' },
      { type: 'image' as const, source: { type: 'file' as const, file_id: 'file_gone1' } },
    ];
    expect(await rejectionOf(handle.executeUpdate(userMessageUpdate, { args: [{ text: 'x', content }] }))).toEqual({
      type: SessionRequestRejection.invalid,
      message: 'invalid user.message: (input): a user message has either text or content, not both and not neither',
    });
    const accepted = await handle.executeUpdate(userMessageUpdate, { args: [{ content }] });
    expect(await eventAt(sessionId, accepted.seq)).toMatchObject({ type: 'user.message', content });
    await idleAfter(sessionId, accepted.seq);
    const sent = harness.model.requests.at(-1)!.body.messages.at(-1).content;
    expect(sent).toEqual([
      expect.objectContaining({ type: 'text', text: 'CONTENT-BY-UPDATE' }),
      expect.objectContaining({ type: 'text', text: expect.stringContaining('image file_gone1 was sent here') }),
    ]);

    const before = (await harness.lucid.readEvents(sessionId)).length;
    await handle.signal(userMessageSignal, { content: [{ type: 'text', text: 'CONTENT-BY-SIGNAL' }] });
    await idleAfter(sessionId, before);
    const events = await harness.lucid.readEvents(sessionId);
    expect(events.slice(before)[0]).toMatchObject({
      type: 'user.message',
      content: [{ type: 'text', text: 'CONTENT-BY-SIGNAL' }],
    });
  });

  it('interrupts a running turn by update with the user.interrupt event, and refuses when nothing runs', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { last_user_text: 'work slowly' },
          delay_ms: 1500,
          reply: { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'slow.txt', content: 'x' } }] },
        },
      ],
    });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({ agent, message: 'work slowly', keep_alive_seconds: 30 });
    while (harness.model.requests.length === before) await new Promise((resolve) => setTimeout(resolve, 20));

    const accepted = await harness.lucid.interrupt(sessionId);
    expect(await eventAt(sessionId, accepted.seq)).toMatchObject({ id: accepted.event_id, type: 'user.interrupt' });
    await waitForStatus(sessionId, 'idle');
    expect(harness.model.requests.length - before).toBe(1);

    expect(await rejectionOf(harness.lucid.interrupt(sessionId))).toEqual({
      type: SessionRequestRejection.notRunning,
      message: 'the session is idle, so there is no turn to stop',
    });
    const interrupts = (await harness.lucid.readEvents(sessionId)).filter((event) => event.type === 'user.interrupt');
    expect(interrupts).toHaveLength(1);
    await harness.temporal.client.workflow.getHandle(sessionId).terminate('test over');
  });

  it('takes an update sent while the session starts after its first message, never ahead of it', async () => {
    harness.model.setScenario({
      rules: [{ match: {}, delay_ms: 4000, reply: { content: [{ type: 'text', text: 'late answer' }] } }],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'starting up' });
    const accepted = await harness.lucid.interrupt(sessionId);
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    const events = await harness.store.readEvents(sessionId);
    expect(events[0]).toMatchObject({ seq: 1, type: 'user.message' });
    expect(events.find((event) => event.seq === accepted.seq)).toMatchObject({
      id: accepted.event_id,
      type: 'user.interrupt',
    });
    expect(accepted.seq).toBeGreaterThan(1);
  });

  it('answers a define_outcome update once the outcome is taken up; a bad rubric never reaches history', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { tools_include: 'submit_verdict' },
          reply: {
            content: [
              {
                type: 'tool_use',
                name: 'submit_verdict',
                input: {
                  result: 'satisfied',
                  explanation: 'Fine.',
                  criteria: [{ criterion: 'It greets', met: true, explanation: 'it does' }],
                },
              },
            ],
          },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Hello there.' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'say hi', keep_alive_seconds: 30 });
    const handle: WorkflowHandle = harness.temporal.client.workflow.getHandle(sessionId);
    await waitForStatus(sessionId, 'idle');

    const bad = { description: 'BAD-OUTCOME-MARKER', rubric: { type: 'text', content: '' } };
    expect(await rejectionOf(handle.executeUpdate(defineOutcomeUpdate, { args: [bad as never] }))).toMatchObject({
      type: SessionRequestRejection.invalid,
      message: expect.stringMatching(/^invalid user\.define_outcome: rubric/),
    });
    expect(payloadTexts(await handle.fetchHistory())).not.toContain('BAD-OUTCOME-MARKER');

    const accepted = await harness.lucid.defineOutcome(sessionId, {
      description: 'A greeting',
      rubric: { type: 'text', content: '- It greets' },
    });
    expect(await eventAt(sessionId, accepted.seq)).toMatchObject({
      id: accepted.event_id,
      type: 'user.define_outcome',
      description: 'A greeting',
    });
    const deadline = Date.now() + 30_000;
    while ((await harness.lucid.snapshot(sessionId))?.outcome_evaluations[0]?.result !== 'satisfied') {
      if (Date.now() > deadline) throw new Error('the outcome was never satisfied');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await handle.terminate('test over');
  });
});
