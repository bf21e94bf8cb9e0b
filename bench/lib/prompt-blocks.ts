/**
 * A Messages request's prompt as a prompt cache sees it: an ordered list of blocks (each tool, each system block,
 * then each content block of each message), so two requests can be compared block by block. The blocks are the
 * shared token estimate's prompt pieces (src/domain/token-estimate.ts), the ones the scripted model's simulated
 * cache uses, with each key turned into a small id so comparing long prompts stays cheap.
 */
import { promptPieces } from '../../src/domain/token-estimate';

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

/** Flattens a recorded request body into its blocks, with their running token totals. */
export function promptOf(body: unknown): Prompt {
  const blocks = promptPieces(body).map((piece) => ({
    id: idOf(piece.key),
    tokens: piece.tokens,
    breakpoint: piece.breakpoint,
  }));
  const tokens = blocks.reduce((sum, block) => sum + block.tokens, 0);
  const prefixTokens = [0];
  for (const block of blocks) prefixTokens.push(prefixTokens[prefixTokens.length - 1] + block.tokens);
  const model = isRecord(body) && typeof body.model === 'string' ? body.model : '';
  return { model, blocks, tokens, prefixTokens };
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

/** Ids of every key seen in this process. */
const ids = new Map<string, number>();

function idOf(key: string): number {
  let id = ids.get(key);
  if (id === undefined) ids.set(key, (id = ids.size));
  return id;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
