/**
 * Small helpers over Messages API replies, shared by the model loops that run inside activities (the agent's
 * model call, the outcome grader, dream reflection and consolidation).
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { z } from 'zod';
import type { Usage } from './usage';

export function toolUsesOf(reply: Anthropic.Message): Anthropic.ToolUseBlock[] {
  return reply.content.filter((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
}

/** A reply block as it goes back into the transcript; thinking and server-tool blocks are never requested. */
export function toAssistantBlock(block: Anthropic.ContentBlock): Anthropic.ContentBlockParam[] {
  if (block.type === 'text') return block.text ? [{ type: 'text', text: block.text }] : [];
  if (block.type === 'tool_use') return [{ type: 'tool_use', id: block.id, name: block.name, input: block.input }];
  return [];
}

export function usageOf(reply: Anthropic.Message): Usage {
  return {
    input_tokens: reply.usage.input_tokens ?? 0,
    output_tokens: reply.usage.output_tokens ?? 0,
    cache_read_input_tokens: reply.usage.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: reply.usage.cache_creation_input_tokens ?? 0,
  };
}

/** Added to feedback when a reply was cut off, so the model writes less next time. */
export function stopReasonHint(reply: Anthropic.Message, advice: string): string {
  return reply.stop_reason === 'max_tokens' ? ` (your reply hit the max_tokens limit and was cut off: ${advice})` : '';
}

/** "path.to.field: message", for feedback on a schema violation. */
export function describeIssue(issue: z.core.$ZodIssue, prefix = ''): string {
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return `${path || 'the input'}: ${issue.message.replace(/^Invalid input: /, '')}`;
}
