import type Anthropic from '@anthropic-ai/sdk';
import { newestCompaction, summaryContextText } from './compaction';
import type { SessionEvent, UserContentBlock } from './events';
import { asToolCallEvent } from './mcp-events';
import { graderFeedback, outcomeBrief } from './outcome-messages';
import { estimateBlockTokens } from './token-estimate';

type MessageParam = Anthropic.MessageParam;
/**
 * A document as the transcript holds it: by file, with Lucid's estimate of its content for the shared token
 * estimate; the model activity puts the file's content in its place and drops the estimate (file-sourced-blocks.ts).
 */
export type TranscriptDocumentBlock = Anthropic.DocumentBlockParam & { estimated_tokens: number };
type UserMessageBlock = Anthropic.TextBlockParam | Anthropic.ImageBlockParam | TranscriptDocumentBlock;
type UserBlock = UserMessageBlock | Anthropic.ToolResultBlockParam;
type AssistantBlock = Anthropic.TextBlockParam | Anthropic.ToolUseBlockParam;

/** How the transcript sent to the model differs from the full log; the log itself is never rewritten. */
export interface TranscriptOptions {
  /**
   * Tool results at or below this seq are sent as a placeholder ({@link clearedToolResult}); 0 or absent clears
   * none. The workflow moves it in batches (`span.context_cleared`), so the cached prompt prefix stays the same
   * between batches.
   */
  clearedThroughSeq?: number;
}

/**
 * Rebuilds the Messages API transcript from a session's event log, which is the single source of truth.
 * Agent output between `span.model_request_start` and `span.model_request_end` forms one assistant message;
 * user messages and tool results in between form user messages. Tool results come first in a user message,
 * as the API requires. Once the session has compacted, the transcript starts with the newest summary, as a user
 * text block, and goes on with the events after the range it replaced.
 */
export function buildTranscript(events: readonly SessionEvent[], options: TranscriptOptions = {}): MessageParam[] {
  const messages: MessageParam[] = [];
  const toolNames = new Map<string, string>();
  let assistant: AssistantBlock[] | null = null;
  let toolResults: Anthropic.ToolResultBlockParam[] = [];
  /** The model's tool call ids of the last assistant message, in call order: results go back in that order. */
  let callOrder: string[] = [];
  let userText: UserMessageBlock[] = [];
  const compaction = newestCompaction(events);
  if (compaction) userText.push({ type: 'text', text: summaryContextText(compaction) });
  const kept = compaction ? events.filter((event) => event.seq > compaction.compacted_through_seq) : events;

  const flushUser = () => {
    const content: UserBlock[] = [...inCallOrder(toolResults, callOrder), ...userText];
    if (content.length > 0) messages.push({ role: 'user', content });
    toolResults = [];
    userText = [];
  };

  for (const event of kept.map(asToolCallEvent)) {
    switch (event.type) {
      case 'user.message':
      case 'user.define_outcome':
      case 'span.outcome_evaluation_end':
        userText.push(...userTextBlocks(event));
        break;
      case 'agent.tool_result': {
        const block = toolResultBlock(event);
        const cleared = event.seq <= (options.clearedThroughSeq ?? 0);
        toolResults.push(cleared ? clearedToolResult(block, toolNames.get(event.tool_use_id), event.seq) : block);
        break;
      }
      case 'user.custom_tool_result':
        toolResults.push(toolResultBlock(event));
        break;
      case 'span.model_request_start':
        flushUser();
        assistant = [];
        break;
      case 'agent.message':
        assistant?.push(...event.content.map((block) => ({ type: 'text' as const, text: block.text })));
        break;
      case 'agent.tool_use':
      case 'agent.custom_tool_use':
        toolNames.set(event.tool_use_id, event.name);
        assistant?.push(toolUseBlock(event));
        break;
      case 'span.model_request_end':
        // A failed request leaves no assistant message behind.
        if (assistant && assistant.length > 0 && !event.is_error) {
          messages.push({ role: 'assistant', content: assistant });
          callOrder = assistant.flatMap((block) => (block.type === 'tool_use' ? [block.id] : []));
        }
        assistant = null;
        break;
      default:
        break;
    }
  }
  flushUser();
  return mergeConsecutiveRoles(messages);
}

type EventOf<T extends SessionEvent['type']> = Extract<SessionEvent, { type: T }>;

/**
 * What a user-side event puts in the transcript: a message, an outcome brief, the grader's feedback. An image
 * or a document keeps its file source here; the model activity puts the file's content in its place
 * (file-sourced-blocks.ts).
 */
function userTextBlocks(
  event: EventOf<'user.message' | 'user.define_outcome' | 'span.outcome_evaluation_end'>,
): UserMessageBlock[] {
  if (event.type === 'user.message') return event.content.map(userMessageBlock);
  if (event.type === 'user.define_outcome') return [{ type: 'text', text: outcomeBrief(event) }];
  const feedback = graderFeedback(event);
  return feedback ? [{ type: 'text', text: feedback }] : [];
}

function userMessageBlock(block: UserContentBlock): UserMessageBlock {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'image':
      return { type: 'image', source: { type: 'file', file_id: block.source.file_id } };
    case 'document':
      return {
        type: 'document',
        source: { type: 'file', file_id: block.source.file_id },
        ...(block.title === undefined ? {} : { title: block.title }),
        ...(block.context === undefined ? {} : { context: block.context }),
        estimated_tokens: block.estimated_tokens,
      };
  }
}

function toolUseBlock(event: EventOf<'agent.tool_use' | 'agent.custom_tool_use'>): Anthropic.ToolUseBlockParam {
  return { type: 'tool_use', id: event.tool_use_id, name: event.name, input: event.input };
}

/**
 * Tool results in the order of the calls they answer. Lucid's own tools' results are logged in call order
 * already; a custom tool's result is logged when the client answers, which may be before an earlier call's.
 */
function inCallOrder(
  results: Anthropic.ToolResultBlockParam[],
  callOrder: readonly string[],
): Anthropic.ToolResultBlockParam[] {
  const position = (result: Anthropic.ToolResultBlockParam) => {
    const index = callOrder.indexOf(result.tool_use_id);
    return index === -1 ? callOrder.length : index;
  };
  return [...results].sort((a, b) => position(a) - position(b));
}

function toolResultBlock(
  event: EventOf<'agent.tool_result' | 'user.custom_tool_result'>,
): Anthropic.ToolResultBlockParam {
  return {
    type: 'tool_result',
    tool_use_id: event.tool_use_id,
    content: event.content.map((block) => ({ type: 'text' as const, text: block.text })),
    is_error: event.is_error,
  };
}

/** What the model reads instead of a cleared tool result: enough to know what it was and how to get it back. */
export function clearedToolResultText(toolName: string, seq: number): string {
  return `[tool result cleared to save context: ${toolName} (event ${seq}); call the tool again if you need it]`;
}

/**
 * A tool result with its content replaced by the placeholder, or unchanged when the placeholder would not be
 * shorter (clearing a one-line result would only add tokens).
 */
function clearedToolResult(
  block: Anthropic.ToolResultBlockParam,
  toolName: string | undefined,
  seq: number,
): Anthropic.ToolResultBlockParam {
  const cleared = {
    ...block,
    content: [{ type: 'text' as const, text: clearedToolResultText(toolName ?? 'tool', seq) }],
  };
  return estimateBlockTokens(cleared) < estimateBlockTokens(block) ? cleared : block;
}

/**
 * Estimated tokens an event adds to the transcript, with the shared estimate (src/domain/token-estimate.ts), and,
 * for a tool result, how many clearing it would save. The workflow adds these up between model requests to tell
 * how full the next request will be without rebuilding the transcript. `toolName` names a tool result's tool.
 */
export function transcriptTokensOf(stored: SessionEvent, toolName?: string): { tokens: number; clearable: number } {
  const event = asToolCallEvent(stored);
  switch (event.type) {
    case 'user.message':
    case 'user.define_outcome':
    case 'span.outcome_evaluation_end':
      return { tokens: sumTokens(userTextBlocks(event)), clearable: 0 };
    case 'agent.message':
      return { tokens: sumTokens(event.content.map((block) => ({ type: 'text', text: block.text }))), clearable: 0 };
    case 'agent.tool_use':
    case 'agent.custom_tool_use':
      return { tokens: estimateBlockTokens(toolUseBlock(event)), clearable: 0 };
    case 'user.custom_tool_result':
      return { tokens: estimateBlockTokens(toolResultBlock(event)), clearable: 0 };
    case 'agent.tool_result': {
      const block = toolResultBlock(event);
      const tokens = estimateBlockTokens(block);
      return { tokens, clearable: tokens - estimateBlockTokens(clearedToolResult(block, toolName, event.seq)) };
    }
    default:
      return { tokens: 0, clearable: 0 };
  }
}

function sumTokens(blocks: readonly unknown[]): number {
  return blocks.reduce<number>((sum, block) => sum + estimateBlockTokens(block), 0);
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
