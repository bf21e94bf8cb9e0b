import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent, SessionEventBody } from '../../src/domain/events';
import { countInputTokens } from '../../src/domain/token-estimate';
import { buildTranscript } from '../../src/domain/transcript';
import { ContextTracker, emptyContextState } from '../../src/workflows/context-tracker';

const agent: AgentDefinition = {
  name: 'a',
  model: 'scripted-small',
  system: '',
  tools: ['read_file'],
  max_turns: 10,
  max_tokens: 100,
  context_window: 10_000,
};
const usage = (input: number) => ({
  input_tokens: input,
  output_tokens: 1,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
});

/** Feeds events to a tracker as the EventLog would, and keeps them for comparison with the real transcript. */
function tracked() {
  const state = emptyContextState();
  const tracker = new ContextTracker(state, agent);
  const events: SessionEvent[] = [];
  const emit = (body: SessionEventBody) => {
    const event = { id: `e${events.length + 1}`, seq: events.length + 1, processed_at: '', ...body } as SessionEvent;
    events.push(event);
    tracker.noteEvent(event);
    return event;
  };
  const toolRound = (id: string, text: string) => {
    emit({ type: 'span.model_request_start', model: 'm' });
    emit({ type: 'agent.tool_use', tool_use_id: id, name: 'read_file', input: { path: id } });
    emit({ type: 'span.model_request_end', model_request_start_id: 'x', is_error: false, model_usage: usage(0) });
    emit({ type: 'agent.tool_result', tool_use_id: id, content: [{ type: 'text', text }], is_error: false });
  };
  return { state, tracker, events, emit, toolRound };
}

describe('ContextTracker', () => {
  it('estimates the first request from its events alone', () => {
    const { tracker, events, emit } = tracked();
    emit({ type: 'user.message', content: [{ type: 'text', text: 'x'.repeat(4_000) }] });
    expect(tracker.fullness().estimated_tokens).toBe(countInputTokens({ messages: buildTranscript(events) }));
  });

  it('starts from the reported usage of the last answer and adds what came after', () => {
    const { tracker, events, emit, toolRound } = tracked();
    emit({ type: 'user.message', content: [{ type: 'text', text: 'go' }] });
    tracker.requestStarted();
    tracker.requestAnswered(usage(5_000));
    toolRound('t1', 'y'.repeat(8_000));
    const added = countInputTokens({ messages: buildTranscript(events.slice(1)) });
    expect(tracker.fullness().estimated_tokens).toBe(5_000 + added);
  });

  it('gives a failed request its events back', () => {
    const { tracker, emit } = tracked();
    emit({ type: 'user.message', content: [{ type: 'text', text: 'z'.repeat(400) }] });
    const before = tracker.fullness().estimated_tokens;
    tracker.requestStarted();
    expect(tracker.fullness().estimated_tokens).toBe(0);
    tracker.requestFailed();
    expect(tracker.fullness().estimated_tokens).toBe(before);
  });

  it('past the trigger, plans a batch that the transcript builder then matches token for token', () => {
    const { state, tracker, events, emit, toolRound } = tracked();
    emit({ type: 'user.message', content: [{ type: 'text', text: 'go' }] });
    for (let n = 1; n <= 8; n++) toolRound(`t${n}`, `${n}`.repeat(4_000)); // about 1,000 tokens each
    const plan = tracker.planClearing();
    if (!plan) throw new Error('expected a clearing batch past 70% of the window');
    tracker.applyClearing(plan);

    const cleared = countInputTokens({
      messages: buildTranscript(events, { clearedThroughSeq: plan.cleared_through_seq }),
    });
    expect(plan.estimated_tokens_after).toBe(cleared);
    expect(tracker.fullness().estimated_tokens).toBe(cleared);
    expect(cleared).toBeLessThanOrEqual(5_000);
    expect(state.cleared_through_seq).toBe(plan.cleared_through_seq);
    expect(state.tool_results.every(([seq]) => seq > plan.cleared_through_seq)).toBe(true);
    expect(state.tool_results.length).toBeGreaterThanOrEqual(3);
    expect(tracker.planClearing()).toBeNull();
  });
});
