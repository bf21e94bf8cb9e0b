/**
 * Custom tools' pure parts: the definition's checks, what the model is offered, the transcript (results in call
 * order, whenever the client answered) and the API's shape of the events.
 */
import { AgentToolsSchema } from '../../src/domain/agent-toolset';
import { CustomToolSchema, customToolResultContent } from '../../src/domain/custom-tools';
import type { SessionEvent, SessionEventBody } from '../../src/domain/events';
import { buildTranscript } from '../../src/domain/transcript';
import { userToolDefinitions } from '../../src/domain/user-tools';
import { toApiEvents } from '../../src/api/events/event-object';

const tool = {
  type: 'custom',
  name: 'lookup_ticket',
  description: 'Look a ticket up',
  input_schema: { type: 'object', properties: { id: { type: 'string' } } },
} as const;

function log(bodies: SessionEventBody[]): SessionEvent[] {
  return bodies.map((body, index) => ({
    ...body,
    id: `sevt_s_${index + 1}`,
    seq: index + 1,
    processed_at: '2026-12-02T00:00:00.000Z',
  })) as SessionEvent[];
}

test('a custom tool is offered to the model as defined, and a bad one is refused with why', () => {
  expect(userToolDefinitions(AgentToolsSchema.parse(['read_file', tool]))).toEqual([
    { name: tool.name, description: tool.description, input_schema: tool.input_schema },
  ]);
  const problems = (value: unknown) => {
    const parsed = CustomToolSchema.safeParse(value);
    return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
  };
  expect(problems({ ...tool, input_schema: { type: 'string' } })).toEqual([
    'input_schema must be an object schema ({"type": "object", ...})',
  ]);
  expect(problems({ ...tool, input_schema: { type: 'object', required: 'id' } })).toHaveLength(1);
  expect(AgentToolsSchema.safeParse([{ ...tool, name: 'memory' }]).error?.issues[0].message).toBe(
    'the name "memory" is taken by one of Lucid\'s tools',
  );
  expect(problems({ ...tool, strict: true })[0]).toMatch(/Unrecognized key/);
  expect(AgentToolsSchema.safeParse([tool, { ...tool, description: 'again' }]).error?.issues[0].message).toBe(
    'another tool is already named "lookup_ticket"',
  );
});

test('an empty result is an empty text block; text blocks are joined', () => {
  expect(customToolResultContent({ custom_tool_use_id: 'x' })).toEqual([{ type: 'text', text: '' }]);
  expect(
    customToolResultContent({
      custom_tool_use_id: 'x',
      content: [
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
      ],
    }),
  ).toEqual([{ type: 'text', text: 'a\nb' }]);
});

const turn = log([
  { type: 'user.message', content: [{ type: 'text', text: 'look both up' }] },
  { type: 'span.model_request_start', model: 'm' },
  { type: 'agent.custom_tool_use', tool_use_id: 'toolu_1', name: 'lookup_ticket', input: { id: 'T-1' } },
  { type: 'agent.tool_use', tool_use_id: 'toolu_2', name: 'read_file', input: { path: 'a' } },
  { type: 'agent.custom_tool_use', tool_use_id: 'toolu_3', name: 'lookup_ticket', input: { id: 'T-3' } },
  { type: 'span.model_request_end', model_request_start_id: 'sevt_s_2', is_error: false, model_usage: {} as never },
  {
    type: 'session.status_idle',
    stop_reason: { type: 'requires_action', event_ids: ['sevt_s_3', 'sevt_s_5'] },
    stop_details: null,
  },
  {
    type: 'user.custom_tool_result',
    custom_tool_use_id: 'sevt_s_5',
    tool_use_id: 'toolu_3',
    content: [{ type: 'text', text: 'T-3 closed' }],
    is_error: false,
  },
  {
    type: 'user.custom_tool_result',
    custom_tool_use_id: 'sevt_s_3',
    tool_use_id: 'toolu_1',
    content: [{ type: 'text', text: 'T-1 open' }],
    is_error: true,
  },
  { type: 'session.status_running' },
  { type: 'agent.tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'file a' }], is_error: false },
  { type: 'span.model_request_start', model: 'm' },
]);

test('the model gets custom calls as tool uses and their results in call order', () => {
  const messages = buildTranscript(turn);
  expect(messages[1]).toEqual({
    role: 'assistant',
    content: [
      { type: 'tool_use', id: 'toolu_1', name: 'lookup_ticket', input: { id: 'T-1' } },
      { type: 'tool_use', id: 'toolu_2', name: 'read_file', input: { path: 'a' } },
      { type: 'tool_use', id: 'toolu_3', name: 'lookup_ticket', input: { id: 'T-3' } },
    ],
  });
  expect(messages[2]).toEqual({
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'T-1 open' }], is_error: true },
      { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'file a' }], is_error: false },
      { type: 'tool_result', tool_use_id: 'toolu_3', content: [{ type: 'text', text: 'T-3 closed' }], is_error: false },
    ],
  });
});

test("the API's shape drops the model's ids and names events by their API ids", () => {
  const api = toApiEvents(turn);
  expect(api[2]).toEqual({
    id: 'sevt_s_3',
    type: 'agent.custom_tool_use',
    name: 'lookup_ticket',
    input: { id: 'T-1' },
    processed_at: '2026-12-02T00:00:00.000Z',
  });
  expect(api[6]).toMatchObject({ stop_reason: { type: 'requires_action', event_ids: ['sevt_s_3', 'sevt_s_5'] } });
  expect(api[7]).toEqual({
    id: 'sevt_s_8',
    type: 'user.custom_tool_result',
    custom_tool_use_id: 'sevt_s_5',
    content: [{ type: 'text', text: 'T-3 closed' }],
    is_error: false,
    processed_at: '2026-12-02T00:00:00.000Z',
  });
});
