import type { SessionEvent } from './events';

type ToolCallEvent = Extract<SessionEvent, { type: 'agent.tool_use' | 'agent.tool_result' }>;

/**
 * An MCP call's events as the built-in tool events they stand for in the transcript, context accounting and
 * compaction: the model made a tool call and got a tool result either way. Other events are returned as they are.
 */
export function asToolCallEvent(event: SessionEvent): SessionEvent {
  const { id, seq, processed_at } = event;
  const envelope = { id, seq, processed_at };
  if (event.type === 'agent.mcp_tool_use') {
    return {
      ...envelope,
      type: 'agent.tool_use',
      tool_use_id: event.tool_use_id,
      name: event.tool_name,
      input: event.input,
    };
  }
  if (event.type === 'agent.mcp_tool_result') {
    const result: ToolCallEvent = {
      ...envelope,
      type: 'agent.tool_result',
      tool_use_id: event.mcp_tool_use_id,
      content: event.content,
      is_error: event.is_error,
    };
    return result;
  }
  return event;
}
