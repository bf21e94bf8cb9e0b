import type Anthropic from '@anthropic-ai/sdk';
import { newestCompaction, summaryContextText } from './compaction';
import type { SessionEvent } from './events';
import { graderFeedback, outcomeBrief } from './outcome-messages';

type MessageParam = Anthropic.MessageParam;
type UserBlock = Anthropic.TextBlockParam | Anthropic.ToolResultBlockParam;
type AssistantBlock = Anthropic.TextBlockParam | Anthropic.ToolUseBlockParam;

/**
 * Rebuilds the Messages API transcript from a session's event log, which is the single source of truth.
 * Agent output between `span.model_request_start` and `span.model_request_end` forms one assistant message;
 * user messages and tool results in between form user messages. Tool results come first in a user message,
 * as the API requires. Once the session has compacted, the transcript starts with the newest summary, as a user
 * text block, and goes on with the events after the range it replaced.
 */
export function buildTranscript(events: readonly SessionEvent[]): MessageParam[] {
  const messages: MessageParam[] = [];
  let assistant: AssistantBlock[] | null = null;
  let toolResults: Anthropic.ToolResultBlockParam[] = [];
  let userText: Anthropic.TextBlockParam[] = [];
  const compaction = newestCompaction(events);
  if (compaction) userText.push({ type: 'text', text: summaryContextText(compaction) });
  const kept = compaction ? events.filter((event) => event.seq > compaction.compacted_through_seq) : events;

  const flushUser = () => {
    const content: UserBlock[] = [...toolResults, ...userText];
    if (content.length > 0) messages.push({ role: 'user', content });
    toolResults = [];
    userText = [];
  };

  for (const event of kept) {
    switch (event.type) {
      case 'user.message':
        userText.push(...event.content.map((block) => ({ type: 'text' as const, text: block.text })));
        break;
      case 'agent.tool_result':
        toolResults.push({
          type: 'tool_result',
          tool_use_id: event.tool_use_id,
          content: event.content.map((block) => ({ type: 'text' as const, text: block.text })),
          is_error: event.is_error,
        });
        break;
      case 'user.define_outcome':
        userText.push({ type: 'text', text: outcomeBrief(event) });
        break;
      case 'span.outcome_evaluation_end': {
        const feedback = graderFeedback(event);
        if (feedback) userText.push({ type: 'text', text: feedback });
        break;
      }
      case 'span.model_request_start':
        flushUser();
        assistant = [];
        break;
      case 'agent.message':
        assistant?.push(...event.content.map((block) => ({ type: 'text' as const, text: block.text })));
        break;
      case 'agent.tool_use':
        assistant?.push({ type: 'tool_use', id: event.tool_use_id, name: event.name, input: event.input });
        break;
      case 'span.model_request_end':
        // A failed request leaves no assistant message behind.
        if (assistant && assistant.length > 0 && !event.is_error)
          messages.push({ role: 'assistant', content: assistant });
        assistant = null;
        break;
      default:
        break;
    }
  }
  flushUser();
  return mergeConsecutiveRoles(messages);
}

/** The API wants alternating roles; an interrupted turn can leave two user messages in a row. */
function mergeConsecutiveRoles(messages: MessageParam[]): MessageParam[] {
  const merged: MessageParam[] = [];
  for (const message of messages) {
    const previous = merged[merged.length - 1];
    if (previous && previous.role === message.role) {
      previous.content = [...asBlocks(previous.content), ...asBlocks(message.content)] as MessageParam['content'];
    } else {
      merged.push({ ...message });
    }
  }
  return merged;
}

function asBlocks(content: MessageParam['content']): Anthropic.ContentBlockParam[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

/**
 * Marks the stable prefix for prompt caching, with the API's maximum of four breakpoints: the last tool, the
 * system prompt, the end of the previous request's prompt and the newest block. The API looks for an earlier
 * cache entry only about 20 blocks back from a breakpoint, so a turn with many parallel tool calls would put the
 * newest block out of reach of the previous request's entry; the breakpoint where that prompt ended (the message
 * before the newest assistant message) reads it at distance 0 however wide the turn was.
 */
export function withCacheBreakpoints(request: { system: string; tools: Anthropic.Tool[]; messages: MessageParam[] }): {
  system: Anthropic.TextBlockParam[] | undefined;
  tools: Anthropic.Tool[];
  messages: MessageParam[];
} {
  const ephemeral = { type: 'ephemeral' as const };
  const tools = request.tools.map((tool, index) =>
    index === request.tools.length - 1 ? { ...tool, cache_control: ephemeral } : tool,
  );
  const system = request.system
    ? [{ type: 'text' as const, text: request.system, cache_control: ephemeral }]
    : undefined;
  const previousEnd = request.messages.map((message) => message.role).lastIndexOf('assistant') - 1;
  const marked = new Set([previousEnd, request.messages.length - 1].filter((index) => index >= 0));
  const messages = request.messages.map((message, index) => {
    if (!marked.has(index)) return message;
    const blocks = asBlocks(message.content);
    const last = blocks.length - 1;
    return {
      ...message,
      content: blocks.map((block, blockIndex) =>
        blockIndex === last ? { ...block, cache_control: ephemeral } : block,
      ),
    } as MessageParam;
  });
  return { system, tools, messages };
}
