/**
 * Token counting and a simulated prompt cache for the scripted model.
 *
 * The token estimate is src/domain/token-estimate.ts. Nothing here talks to the network or the clock: the numbers depend only on the request bodies, so tests can
 * assert on them. The estimates are deliberately crude (a quarter of the characters) — what matters is that
 * they react to the request the way the real API does: bigger prompts cost more, and a repeated prefix behind a
 * `cache_control` breakpoint is read from the cache instead of being billed as fresh input.
 */
import { createHash } from 'node:crypto';
import { estimateJsonTokens, estimateTokens, promptPieces, type PromptPiece } from '../domain/token-estimate';

// The estimate itself lives in the domain, shared with Lucid's own view of how full a request is.
export { countInputTokens, estimateJsonTokens, estimateTokens } from '../domain/token-estimate';

/** Token usage as the Messages API reports it. */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** The input side of {@link TokenUsage}: what a request's prompt costs before any reply is written. */
export type PromptUsage = Omit<TokenUsage, 'output_tokens'>;

/** The outcome of looking a request up in the cache; hand it to {@link SimulatedPromptCache.commit} once answered. */
export interface CachePlan {
  usage: PromptUsage;
  /** The request's model, which is part of every cache key. */
  model: string;
  /** Prefix hashes at this request's breakpoints: what a successful answer writes to the cache. */
  breakpointHashes: string[];
}

/** How many block boundaries, a breakpoint's own included, the API checks for an earlier cache entry. */
export const CACHE_LOOKBACK_BLOCKS = 20;

/** Output token estimate of a reply's content blocks. */
export function estimateOutputTokens(content: ReadonlyArray<Record<string, unknown>>): number {
  const tokens = content.reduce((sum, block) => {
    if (block.type === 'text' && typeof block.text === 'string') return sum + estimateTokens(block.text);
    return sum + estimateJsonTokens({ name: block.name, input: block.input });
  }, 0);
  return Math.max(1, tokens); // the real API never reports a reply as free
}

/**
 * A prompt cache that remembers prefixes by hash, for the lifetime of one scripted model.
 *
 * Like the API, a request finds an earlier entry only within {@link CACHE_LOOKBACK_BLOCKS} block boundaries of one
 * of its breakpoints, trying its newest breakpoint first. Simplifications, on purpose: no minimum cacheable
 * length and no expiry.
 */
export class SimulatedPromptCache {
  private readonly stored = new Set<string>();

  /**
   * Works out a request's prompt usage without changing the cache.
   *
   * Cache reads are the longest prefix an earlier request stored that ends within look-back reach of one of this
   * request's breakpoints; cache creation is the rest of the prompt up to the last breakpoint; input tokens are
   * whatever follows it. Looking at the block boundaries before a breakpoint, not only at the breakpoint itself,
   * is what lets an agent loop that moves its breakpoint to the newest message each turn still hit the previous
   * turn's entry.
   */
  plan(body: unknown): CachePlan {
    const model = modelOf(body);
    const pieces = promptPieces(body);
    const hashes = prefixHashes(model, pieces);
    const ends = cumulativeTokens(pieces);
    const total = ends.length ? ends[ends.length - 1] : 0;
    const breakpoints = pieces.flatMap((piece, index) => (piece.breakpoint ? [index] : []));
    if (!breakpoints.length) {
      return {
        model,
        breakpointHashes: [],
        usage: { input_tokens: total, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
      };
    }
    const last = breakpoints[breakpoints.length - 1];
    const hit = this.longestStoredPrefix(hashes, breakpoints);
    const read = hit === null ? 0 : ends[hit];
    return {
      model,
      breakpointHashes: breakpoints.map((index) => hashes[index]),
      usage: {
        input_tokens: total - ends[last],
        cache_read_input_tokens: read,
        cache_creation_input_tokens: ends[last] - read,
      },
    };
  }

  /** The last piece of the longest stored prefix within look-back reach of a breakpoint, newest breakpoint first. */
  private longestStoredPrefix(hashes: string[], breakpoints: number[]): number | null {
    for (const breakpoint of [...breakpoints].reverse()) {
      const lowest = Math.max(0, breakpoint - CACHE_LOOKBACK_BLOCKS + 1);
      for (let index = breakpoint; index >= lowest; index--) if (this.stored.has(hashes[index])) return index;
    }
    return null;
  }

  /** Stores a planned request's breakpoints. Call it only for requests that were answered successfully. */
  commit(plan: CachePlan): void {
    for (const hash of plan.breakpointHashes) this.stored.add(hash);
  }

  /** Forgets everything. */
  clear(): void {
    this.stored.clear();
  }
}

/** A running hash per piece: entry i identifies the whole prefix up to and including piece i. */
function prefixHashes(model: string, pieces: PromptPiece[]): string[] {
  let previous = createHash('sha256').update(`model\u0000${model}`).digest('hex');
  return pieces.map((current) => {
    previous = createHash('sha256').update(previous).update('\u0000').update(current.key).digest('hex');
    return previous;
  });
}

/** Entry i is the token count of the prefix up to and including piece i. */
function cumulativeTokens(pieces: PromptPiece[]): number[] {
  let sum = 0;
  return pieces.map((current) => (sum += current.tokens));
}

function modelOf(body: unknown): string {
  return isRecord(body) && typeof body.model === 'string' ? body.model : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
