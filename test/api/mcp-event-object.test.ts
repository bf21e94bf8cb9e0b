/** MCP call events in the API's shape (the SDK's BetaManagedAgentsAgentMCPToolUseEvent / ...ResultEvent). */
import type { BetaManagedAgentsAgentMCPToolUseEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import { toApiEvents } from '../../src/api/events/event-object';
import type { SessionEvent } from '../../src/domain/events';
import { eventId } from '../../src/domain/ids';
import { buildTranscript } from '../../src/domain/transcript';
import { text } from '../helpers/event-bodies';

const at = '2026-01-01T00:00:00.000Z';
const log = [
  { type: 'span.model_request_start', model: 'm' },
  {
    type: 'agent.mcp_tool_use',
    tool_use_id: 'toolu_1',
    tool_name: 'tickets__lookup',
    mcp_server_name: 'tickets',
    name: 'lookup',
    input: { id: 'T-1' },
    evaluated_permission: 'allow',
  },
  { type: 'span.model_request_end', model_request_start_id: eventId('sesn_A1', 1), is_error: false, model_usage: {} },
  { type: 'agent.mcp_tool_result', mcp_tool_use_id: 'toolu_1', content: text('on fire'), is_error: false },
].map(
  (body, index) => ({ id: eventId('sesn_A1', index + 1), seq: index + 1, processed_at: at, ...body }) as SessionEvent,
);

test('the use drops Lucid ids; the result names the use event', () => {
  const [, use, , result] = toApiEvents(log);
  const expected: BetaManagedAgentsAgentMCPToolUseEvent = {
    id: 'sevt_A1_2',
    type: 'agent.mcp_tool_use',
    processed_at: at,
    mcp_server_name: 'tickets',
    name: 'lookup',
    input: { id: 'T-1' },
    evaluated_permission: 'allow',
  };
  expect(use).toEqual(expected);
  expect(result).toEqual({
    id: 'sevt_A1_4',
    type: 'agent.mcp_tool_result',
    processed_at: at,
    mcp_tool_use_id: 'sevt_A1_2',
    content: text('on fire'),
    is_error: false,
  });
});

test('the transcript shows the call under the name the model was offered', () => {
  expect(buildTranscript(log)).toEqual([
    {
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'toolu_1', name: 'tickets__lookup', input: { id: 'T-1' } }],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'on fire' }], is_error: false },
      ],
    },
  ]);
});
