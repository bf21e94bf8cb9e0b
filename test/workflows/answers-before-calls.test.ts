/**
 * Answers that arrive before their call (src/workflows/early-answers.ts), made deterministic by holding the model's
 * reply (ScriptedModel.hold): while the model call that will ask for a custom tool or a confirmation is in flight,
 * an answer naming the event that call will be logged as is accepted and waits; it is applied once when the call
 * comes. One whose call never comes is refused once the turn ends and logs nothing. Answers that cannot be early (an
 * id logged already, an idle session) are refused at once, as before.
 */
import { WorkflowUpdateFailedError, WorkflowUpdateStage, type ApplicationFailure } from '@temporalio/client';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import { eventId } from '../../src/domain/ids';
import {
  customToolResultUpdate,
  SessionRequestRejection,
  toolConfirmationSignal,
  toolConfirmationUpdate,
} from '../../src/workflows/api/session-api';
import {
  expectSessionReplays,
  expectWellFormedLog,
  startSessionHarness,
  type SessionHarness,
} from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

const agent: AgentDefinition = {
  name: 'early-clerk',
  model: 'scripted-small',
  system: 'You look tickets up and write notes.',
  tools: [
    {
      type: 'agent_toolset_20260401',
      default_config: { enabled: false },
      configs: [{ name: 'write', enabled: true, permission_policy: { type: 'always_ask' } }],
    },
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

const lookup = { type: 'tool_use' as const, id: 'toolu_t1', name: 'lookup_ticket', input: { id: 'T-1' } };
const writeNote = {
  type: 'tool_use' as const,
  id: 'toolu_w1',
  name: 'write',
  input: { file_path: '/workspace/note.txt', content: 'hi' },
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

describe('answers sent before their call', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
  });
  afterAll(async () => harness?.close());

  const events = (sessionId: string) => harness.lucid.readEvents(sessionId);
  const ofType = <T extends SessionEvent['type']>(logged: SessionEvent[], type: T) =>
    logged.filter((event): event is Extract<SessionEvent, { type: T }> => event.type === type);

  /**
   * Starts a session on `message` with the model's reply held, and waits until its first model request is in
   * flight: the id of the event the model's first output will be logged as is then known (ids derive from seqs).
   */
  async function startHeld(message: string) {
    const release = harness.model.hold();
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({ agent, message, keep_alive_seconds: 30 });
    await waitFor(() => harness.model.requests.length > before, 'the held model request');
    let startSeq = 0;
    await waitFor(async () => {
      startSeq = ofType(await events(sessionId), 'span.model_request_start')[0]?.seq ?? 0;
      return startSeq > 0;
    }, 'the model request span');
    const handle = harness.temporal.client.workflow.getHandle(sessionId);
    return { sessionId, handle, release, nextId: (offset = 1) => eventId(sessionId, startSeq + offset), startSeq };
  }

  /** Still held: the model's output, and so the call an early answer names, is not logged yet. */
  async function expectNoOutputYet(sessionId: string, startSeq: number): Promise<void> {
    expect((await events(sessionId)).filter((event) => event.seq > startSeq)).toEqual([]);
  }

  it('applies a custom tool result sent by Update while the model call is in flight, once its call comes', async () => {
    harness.model.setScenario({
      rules: [
        { match: { last_user_text: 'Look T-1 up' }, times: 1, reply: { content: [lookup] } },
        { match: { last_tool_result: 'T-1: open' }, reply: { content: [{ type: 'text', text: 'T-1 is open.' }] } },
      ],
    });
    const { sessionId, handle, release, nextId, startSeq } = await startHeld('Look T-1 up');
    const useId = nextId();
    const answer = { custom_tool_use_id: useId, content: [{ type: 'text' as const, text: 'T-1: open' }] };
    // Accepted means the validator let it through: the call it answers does not exist yet (the reply is held).
    const update = await handle.startUpdate(customToolResultUpdate, {
      args: [answer],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await expectNoOutputYet(sessionId, startSeq);
    release();

    const accepted = await update.result();
    await waitFor(async () => (await harness.lucid.snapshot(sessionId))?.final_message === 'T-1 is open.', 'the end');
    const logged = await events(sessionId);
    expect(ofType(logged, 'agent.custom_tool_use')).toEqual([expect.objectContaining({ id: useId })]);
    expect(ofType(logged, 'user.custom_tool_result')).toEqual([
      expect.objectContaining({ seq: accepted.seq, custom_tool_use_id: useId, tool_use_id: 'toolu_t1' }),
    ]);
    expect(accepted.seq).toBeGreaterThan(logged.find((event) => event.id === useId)!.seq);
    expect(ofType(logged, 'session.error')).toEqual([]);
    // The model read the answer as the call's result: its second request matched the answer's text.
    expect(harness.model.requests.filter((request) => request.rule_index === 1)).toHaveLength(1);
    await expectSessionReplays(harness, sessionId);
    // A repeat, now that the call is answered, is refused at once as ever.
    const again = await rejectionOf(harness.lucid.sendCustomToolResult(sessionId, answer));
    expect(again).toEqual({ type: SessionRequestRejection.invalid, message: expect.stringContaining('answered') });
    await handle.terminate('test done');
  });

  it('applies a confirmation sent by signal while the model call is in flight: the call runs once', async () => {
    harness.model.setScenario({
      rules: [
        { match: { last_user_text: 'Write the note' }, times: 1, reply: { content: [writeNote] } },
        { match: {}, reply: { content: [{ type: 'text', text: 'Written.' }] } },
      ],
    });
    const { sessionId, handle, release, nextId, startSeq } = await startHeld('Write the note');
    const useId = nextId();
    await handle.signal(toolConfirmationSignal, { tool_use_id: useId, result: 'allow' });
    await expectNoOutputYet(sessionId, startSeq);
    release();

    await waitFor(async () => (await harness.lucid.snapshot(sessionId))?.final_message === 'Written.', 'the end');
    const logged = await events(sessionId);
    expect(ofType(logged, 'agent.tool_use')).toEqual([expect.objectContaining({ id: useId, name: 'write' })]);
    expect(ofType(logged, 'user.tool_confirmation')).toEqual([
      expect.objectContaining({ tool_use_id: useId, result: 'allow' }),
    ]);
    expect(ofType(logged, 'agent.tool_result')).toEqual([expect.objectContaining({ is_error: false })]);
    expect(ofType(logged, 'session.error')).toEqual([]);
    await expectSessionReplays(harness, sessionId);
    await handle.terminate('test done');
  });

  it('refuses an early answer whose call never comes once the turn ends, logging nothing for it', async () => {
    harness.model.setScenario({
      rules: [{ match: { last_user_text: 'Just say hi' }, reply: { content: [{ type: 'text', text: 'Hi.' }] } }],
    });
    const { sessionId, handle, release, nextId, startSeq } = await startHeld('Just say hi');
    const byUpdate = await handle.startUpdate(toolConfirmationUpdate, {
      args: [{ tool_use_id: nextId(), result: 'allow' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await handle.signal(toolConfirmationSignal, { tool_use_id: nextId(2), result: 'allow' });
    // An id logged already cannot be early: refused at once, even mid-turn.
    const logged = await rejectionOf(
      harness.lucid.confirmToolUse(sessionId, { tool_use_id: eventId(sessionId, startSeq), result: 'allow' }),
    );
    expect(logged).toEqual({
      type: SessionRequestRejection.invalid,
      message: expect.stringContaining('no call waits'),
    });
    await expectNoOutputYet(sessionId, startSeq);
    release();

    const refused = await rejectionOf(byUpdate.result());
    expect(refused).toEqual({
      type: SessionRequestRejection.invalid,
      message: expect.stringContaining(`no call waits for an answer under ${nextId()}`),
    });
    let all: SessionEvent[] = [];
    await waitFor(async () => {
      all = await events(sessionId);
      return ofType(all, 'session.error').length > 0;
    }, 'the refused signal');
    expect(ofType(all, 'session.error')).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ message: expect.stringContaining(nextId(2)) }) }),
    ]);
    expect(ofType(all, 'user.tool_confirmation')).toEqual([]);
    // The refusal came after the turn: the session went idle with its answer first.
    const idle = ofType(all, 'session.status_idle')[0];
    expect(idle.stop_reason).toEqual({ type: 'end_turn' });
    expect(ofType(all, 'session.error')[0].seq).toBeGreaterThan(idle.seq);
    expectWellFormedLog(all, all.length);

    // Idle, nothing can come: an answer naming the next event is refused at once.
    const next = eventId(sessionId, all[all.length - 1].seq + 1);
    const whileIdle = await rejectionOf(
      harness.lucid.confirmToolUse(sessionId, { tool_use_id: next, result: 'allow' }),
    );
    expect(whileIdle).toEqual({ type: SessionRequestRejection.invalid, message: expect.stringContaining(next) });
    await expectSessionReplays(harness, sessionId);
    await handle.terminate('test done');
  });
});
