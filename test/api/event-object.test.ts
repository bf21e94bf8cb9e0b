/** The API's wire shape of stored events: the payload differences the log keeps and the API does not. */
import { apiEventId, seqOfApiEventId, toApiEvent, toApiEvents, ToolUseIndex } from '../../src/api/events/event-object';
import type { SessionEvent } from '../../src/domain/events';
import { eventId } from '../../src/domain/ids';
import { text, usage } from '../helpers/event-bodies';

const sessionId = 'sesn_Abc123';
const threadLog = `${sessionId}/sthr_Xyz789`;
const at = '2026-01-01T00:00:00.000Z';

function stored(logId: string, seq: number, body: object, tag?: string): SessionEvent {
  return {
    id: eventId(logId, seq),
    seq,
    processed_at: at,
    ...(tag ? { session_thread_id: tag } : {}),
    ...body,
  } as SessionEvent;
}

test('a tool result names the agent.tool_use event that asked for it, not the model call id', () => {
  const [use, result] = toApiEvents([
    stored(sessionId, 1, { type: 'agent.tool_use', tool_use_id: 'toolu_1', name: 'read_file', input: { path: 'a' } }),
    stored(sessionId, 2, { type: 'agent.tool_result', tool_use_id: 'toolu_1', content: text('hi'), is_error: false }),
  ]);
  expect(use).toEqual({
    id: 'sevt_Abc123_1',
    type: 'agent.tool_use',
    processed_at: at,
    name: 'read_file',
    input: { path: 'a' },
  });
  expect(result).toEqual({
    id: 'sevt_Abc123_2',
    type: 'agent.tool_result',
    processed_at: at,
    tool_use_id: use.id,
    content: text('hi'),
    is_error: false,
  });
});

test('one event converts alone, and with an index that has seen its tool use', () => {
  const use = stored(sessionId, 1, { type: 'agent.tool_use', tool_use_id: 'toolu_9', name: 'grep', input: {} });
  const result = stored(sessionId, 2, {
    type: 'agent.tool_result',
    tool_use_id: 'toolu_9',
    content: text('x'),
    is_error: true,
  });
  expect(toApiEvent(result).tool_use_id).toBe('toolu_9'); // nothing to map it with
  const index = new ToolUseIndex();
  index.note(use);
  expect(toApiEvent(result, index).tool_use_id).toBe('sevt_Abc123_1');
});

test("a thread's own events drop Lucid's thread tag; thread status events keep the thread they are about", () => {
  const [message, created, idle] = toApiEvents([
    stored(threadLog, 1, { type: 'agent.message', content: text('done') }, 'sthr_Xyz789'),
    stored(
      threadLog,
      2,
      { type: 'session.thread_created', session_thread_id: 'sthr_Deep1', agent_name: 'a', workflow_run_id: 'run-1' },
      'sthr_Xyz789',
    ),
    stored(sessionId, 3, {
      type: 'session.thread_status_idle',
      session_thread_id: 'sthr_Xyz789',
      agent_name: 'researcher',
      stop_reason: { type: 'end_turn' },
      stop_details: null,
    }),
  ]);
  expect(message).not.toHaveProperty('session_thread_id');
  expect(message).not.toHaveProperty('seq');
  expect(created).toMatchObject({ session_thread_id: 'sthr_Deep1', workflow_run_id: null, temporal_run_id: 'run-1' });
  expect(idle).toMatchObject({ session_thread_id: 'sthr_Xyz789', stop_reason: { type: 'end_turn' } });
});

test("a thread's event ids and the ids they refer to are single URL path segments", () => {
  const [start, end] = toApiEvents([
    stored(threadLog, 1, { type: 'span.model_request_start', model: 'm' }),
    stored(threadLog, 2, {
      type: 'span.model_request_end',
      model_request_start_id: eventId(threadLog, 1),
      is_error: false,
      model_usage: usage,
    }),
  ]);
  expect(start.id).toBe('sevt_Abc123_sthr_Xyz789_1');
  expect(start.id).not.toContain('/');
  expect(end.model_request_start_id).toBe(start.id);
  expect(encodeURIComponent(start.id)).toBe(start.id);
});

test('an API event id gives back its seq, for its own log only', () => {
  expect(seqOfApiEventId(sessionId, apiEventId(eventId(sessionId, 42)))).toBe(42);
  expect(seqOfApiEventId(threadLog, apiEventId(eventId(threadLog, 7)))).toBe(7);
  expect(seqOfApiEventId(sessionId, apiEventId(eventId(threadLog, 7)))).toBeNull();
  expect(seqOfApiEventId(sessionId, 'sevt_Other_3')).toBeNull();
  expect(seqOfApiEventId(sessionId, 'sevt_Abc123_x')).toBeNull();
  expect(seqOfApiEventId(sessionId, 'sevt_Abc123_007')).toBeNull();
});

test("a user message's documents show as the SDK types them, without Lucid's token estimate", () => {
  const image = { type: 'image', source: { type: 'file', file_id: 'file_img' } };
  const document = { type: 'document', source: { type: 'file', file_id: 'file_pdf' }, title: 'Report' };
  const event = toApiEvent(
    stored(sessionId, 1, {
      type: 'user.message',
      content: [...text('read'), image, { ...document, estimated_tokens: 6000 }],
    }),
  );
  expect(event).toEqual({
    id: 'sevt_Abc123_1',
    type: 'user.message',
    processed_at: at,
    content: [...text('read'), image, document],
  });
});
