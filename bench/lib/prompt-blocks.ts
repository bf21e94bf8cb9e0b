/**
 * A Messages request's prompt as a prompt cache sees it: an ordered list of blocks (each tool, each system block,
 * then each content block of each message), so two requests can be compared block by block.
 *
 * The order, the keys and the token estimate follow the scripted model's simulated cache
 * (src/scripted-model/usage.ts), which keeps its own list private. So that the two cannot drift apart silently,
 * {@link promptBlocks} checks its token total against that module's `countInputTokens` for every request.
 */
import { countInputTokens, estimateTokens } from '../../src/scripted-model/usage';

/** One cacheable block of a prompt. */
interface PromptBlock {
  /**
   * What identifies the block in a prefix (where it sits: tool, system, role; and its content without
   * `cache_control`), as a small number: equal blocks, equal ids, so comparing long prompts stays cheap.
   */
  id: number;
  tokens: number;
  /** The block carries a `cache_control` breakpoint. */
  breakpoint: boolean;
}

/** A request's prompt: its model (part of every cache key) and its blocks in prefix order. */
export interface Prompt {
  model: string;
  blocks: PromptBlock[];
  /** Sum of the blocks' tokens: every input token of the request, cached or not. */
  tokens: number;
  /** Entry k is the token count of the first k blocks (entry 0 is 0). */
  prefixTokens: number[];
}

/** Flattens a recorded request body; throws if the token total disagrees with the scripted model's count. */
export function promptOf(body: unknown): Prompt {
  const request = isRecord(body) ? body : {};
  const blocks = promptBlocks(request);
  const tokens = blocks.reduce((sum, block) => sum + block.tokens, 0);
  const counted = countInputTokens(body);
  if (tokens !== counted) {
    throw new Error(
      `prompt-blocks.ts no longer matches src/scripted-model/usage.ts: ${tokens} tokens here, ${counted} there`,
    );
  }
  const prefixTokens = [0];
  for (const block of blocks) prefixTokens.push(prefixTokens[prefixTokens.length - 1] + block.tokens);
  return { model: typeof request.model === 'string' ? request.model : '', blocks, tokens, prefixTokens };
}

/** How many leading blocks two prompts share (0 across models: the model is part of every cache key). */
export function sharedBlocks(a: Prompt, b: Prompt): number {
  if (a.model !== b.model) return 0;
  let count = 0;
  while (count < a.blocks.length && count < b.blocks.length && a.blocks[count].id === b.blocks[count].id) count++;
  return count;
}

/** Tokens in the first `count` blocks of a prompt. */
export function tokensOfFirst(prompt: Prompt, count: number): number {
  return prompt.prefixTokens[Math.min(count, prompt.blocks.length)];
}

function promptBlocks(request: Record<string, unknown>): PromptBlock[] {
  const blocks: PromptBlock[] = [];
  for (const tool of asArray(request.tools)) blocks.push(block('tool', tool));
  if (typeof request.system === 'string') blocks.push(block('system', request.system));
  else for (const part of asArray(request.system)) blocks.push(block('system', part));
  for (const message of asArray(request.messages)) {
    if (!isRecord(message)) continue;
    const role = String(message.role);
    // As in usage.ts: a marker on each message's first block keeps [a, b] in one message apart from [a] and [b].
    if (typeof message.content === 'string') blocks.push(block(`${role}:start`, message.content));
    else
      asArray(message.content).forEach((part, index) => blocks.push(block(index === 0 ? `${role}:start` : role, part)));
  }
  return blocks;
}

function block(kind: string, value: unknown): PromptBlock {
  const breakpoint = isRecord(value) && isRecord(value.cache_control) && value.cache_control.type === 'ephemeral';
  // The marker is not content: moving a breakpoint does not change the prefix it sits on.
  const content = isRecord(value) && 'cache_control' in value ? withoutCacheControl(value) : value;
  const json = JSON.stringify(content) ?? 'null';
  return { id: idOf(`${kind}\u0000${json}`), tokens: estimateTokens(json), breakpoint };
}

/** Ids of every key seen in this process. */
const ids = new Map<string, number>();

function idOf(key: string): number {
  let id = ids.get(key);
  if (id === undefined) ids.set(key, (id = ids.size));
  return id;
}

function withoutCacheControl(record: Record<string, unknown>): Record<string, unknown> {
  const { cache_control: _marker, ...rest } = record;
  return rest;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
