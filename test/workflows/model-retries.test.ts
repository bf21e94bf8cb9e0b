import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import { LUCID_STOP_REASON } from '../../src/search-attributes';
import { MAX_MODEL_ATTEMPTS } from '../../src/workflows/agent-session';
import { waitFor } from '../helpers/cli';
import { expectWellFormedLog, startSessionHarness, type SessionHarness } from '../helpers/session';

const agent: AgentDefinition = {
  name: 'retrier',
  model: 'scripted-small',
  system: 'Answer briefly.',
  tools: [],
  max_turns: 5,
  max_tokens: 256,
};

function errors(events: SessionEvent[]) {
  return events.flatMap((event) => (event.type === 'session.error' ? [event.error] : []));
}

describe('model call failures', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
  });
  afterAll(async () => harness?.close());

  it('retries 429 (honouring retry-after) and 529, then ends fine with retrying events', async () => {
    harness.model.setScenario({
      rules: [
        { match: {}, times: 1, reply: { error: { status: 429, retry_after: 1 } } },
        { match: {}, times: 1, reply: { error: { status: 529 } } },
        { match: {}, reply: { content: [{ type: 'text', text: 'Third time lucky.' }] } },
      ],
    });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({ agent, message: 'hello' });
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    expect(snapshot.final_message).toBe('Third time lucky.');
    expect(harness.model.requests.length - before).toBe(3);
    const events = await harness.store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    expect(errors(events)).toEqual([
      expect.objectContaining({ type: 'model_rate_limited_error', retry_status: { type: 'retrying' } }),
      expect.objectContaining({ type: 'model_overloaded_error', retry_status: { type: 'retrying' } }),
    ]);
    const spans = events.filter((event) => event.type === 'span.model_request_end');
    expect(spans.map((event) => event.type === 'span.model_request_end' && event.is_error)).toEqual([
      true,
      true,
      false,
    ]);
    // retry-after: 1 s was honoured before the second attempt.
    const [first, second] = harness.model.requests.slice(before);
    expect(second.received_at - first.received_at).toBeGreaterThanOrEqual(900);
  });

  it('ends the session at once on 400 with a session.error that says why', async () => {
    harness.model.setScenario({
      rules: [{ match: {}, reply: { error: { status: 400, message: 'max_tokens: too large for this model' } } }],
    });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({ agent, message: 'hello' });
    const snapshot = await harness.lucid.result(sessionId);

    expect(harness.model.requests.length - before).toBe(1);
    expect(snapshot.status).toBe('terminated');
    const terminalError = {
      type: 'model_request_failed_error',
      message: expect.stringMatching(/400.*max_tokens: too large for this model/),
      retry_status: { type: 'terminal' },
    };
    expect(snapshot.stop_reason).toEqual({ type: 'error' });
    expect(snapshot.error).toEqual(terminalError);
    expect(await harness.store.readSnapshot(sessionId)).toMatchObject({ stop_reason: { type: 'error' } });
    const events = await harness.store.readEvents(sessionId);
    expect(errors(events)).toEqual([terminalError]);
    expect(events[events.length - 1].type).toBe('session.status_terminated');
    expect(events.some((event) => event.type === 'session.status_idle')).toBe(false);
  });

  it('publishes the stop reason as LucidStopReason, so visibility finds the failed session', async () => {
    harness.model.setScenario({ rules: [{ match: {}, reply: { error: { status: 400, message: 'bad request' } } }] });
    const failedId = await harness.lucid.startSession({ agent, message: 'hello' });
    await harness.lucid.result(failedId);
    harness.model.setScenario({ rules: [{ match: {}, reply: { content: [{ type: 'text', text: 'Fine.' }] } }] });
    const fineId = await harness.lucid.startSession({ agent, message: 'hello' });
    await harness.lucid.result(fineId);

    const stopReasonOf = async (id: string) =>
      (await harness.temporal.client.workflow.getHandle(id).describe()).typedSearchAttributes.get(LUCID_STOP_REASON);
    expect(await stopReasonOf(failedId)).toBe('error');
    expect(await stopReasonOf(fineId)).toBe('end_turn');
    const query = `${LUCID_STOP_REASON.name} = "error" AND WorkflowId IN ("${failedId}", "${fineId}")`;
    const listed = await waitFor(
      async () => {
        const ids: string[] = [];
        for await (const execution of harness.temporal.client.workflow.list({ query })) ids.push(execution.workflowId);
        return ids;
      },
      (ids) => ids.length > 0,
    );
    expect(listed).toEqual([failedId]);
  });

  it.each([401, 403, 404, 413])('treats %i as terminal without retrying', async (status) => {
    harness.model.setScenario({ rules: [{ match: {}, reply: { error: { status } } }] });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({ agent, message: 'hello' });
    await harness.lucid.result(sessionId);
    expect(harness.model.requests.length - before).toBe(1);
    const events = await harness.store.readEvents(sessionId);
    expect(errors(events).map((error) => error.retry_status.type)).toEqual(['terminal']);
  });

  it('lets an interrupt cut a long retry-after wait short', async () => {
    harness.model.setScenario({ rules: [{ match: {}, reply: { error: { status: 429, retry_after: 600 } } }] });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({ agent, message: 'hello' });
    while (harness.model.requests.length === before) await new Promise((resolve) => setTimeout(resolve, 20));
    await harness.lucid.interrupt(sessionId);
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    expect(harness.model.requests.length - before).toBe(1);
    const events = await harness.store.readEvents(sessionId);
    expect(errors(events).map((error) => error.retry_status.type)).toEqual(['retrying']);
    expect(events.some((event) => event.type === 'user.interrupt')).toBe(true);
  });

  it(`gives up after ${MAX_MODEL_ATTEMPTS} attempts: exhausted, then idle with retries_exhausted`, async () => {
    harness.model.setScenario({ rules: [{ match: {}, reply: { error: { status: 503, retry_after: 0 } } }] });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({ agent, message: 'hello' });
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.stop_reason).toEqual({ type: 'retries_exhausted' });
    expect(harness.model.requests.length - before).toBe(MAX_MODEL_ATTEMPTS);
    const statuses = errors(await harness.store.readEvents(sessionId)).map((error) => error.retry_status.type);
    expect(statuses).toEqual([...Array(MAX_MODEL_ATTEMPTS - 1).fill('retrying'), 'exhausted']);
  });
});
