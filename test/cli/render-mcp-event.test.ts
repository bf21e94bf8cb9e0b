import type { SessionEvent } from '../../src/domain/events';
import { advanceProgress, INITIAL_PROGRESS, renderEvent } from '../../src/cli/render-event';
import { text } from '../helpers/event-bodies';

const envelope = (seq: number) => ({ id: `sesn_A1:${seq}`, seq, processed_at: '2026-01-01T00:00:00.000Z' });
const use: SessionEvent = {
  ...envelope(1),
  type: 'agent.mcp_tool_use',
  tool_use_id: 'toolu_1',
  tool_name: 'lookup_ticket',
  mcp_server_name: 'tickets',
  name: 'lookup_ticket',
  input: { id: 'T-1' },
  evaluated_permission: 'allow',
};
const result: SessionEvent = {
  ...envelope(2),
  type: 'agent.mcp_tool_result',
  mcp_tool_use_id: 'toolu_1',
  content: text('Ticket T-1: printer on fire'),
  is_error: true,
};

test('the CLI shows an MCP call with its server, and its result under that name', () => {
  expect(renderEvent(use)).toContain('tickets/lookup_ticket');
  const progress = advanceProgress(INITIAL_PROGRESS, use);
  expect(progress.toolCalls).toBe(1);
  const rendered = renderEvent(result, { toolName: (id) => progress.toolNames[id] });
  expect(rendered).toContain('✗ tickets/lookup_ticket: Ticket T-1: printer on fire');
});
