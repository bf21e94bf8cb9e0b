/**
 * Deciding when and how far to clear old tool results. Pure: the workflow calls it with what it tracked (see
 * src/workflows/context-tracker.ts) and records the decision as a `span.context_cleared` event; the transcript
 * builder then sends every tool result at or below the new watermark as a placeholder.
 */
import type { ClearToolUses, ContextManagement } from './agent-definition';
import type { ContextFullness } from './context-window';

/** A tool result above the watermark: its seq and the tokens clearing it would save, oldest first. */
export type ClearableToolResult = readonly [seq: number, savedTokens: number];

export interface ClearingPlan {
  cleared_through_seq: number;
  /** Tool results this batch replaces with a placeholder. */
  tool_results_cleared: number;
  estimated_tokens_before: number;
  estimated_tokens_after: number;
}

/**
 * Past `trigger_ratio`, one batch: the oldest tool results, never the newest `keep`, until the estimate is down to
 * `target_ratio` of the window (or nothing more may be cleared). Clearing far below the trigger at once, not a
 * little every turn, is what keeps the cached prompt prefix unchanged between batches. Null when nothing is due.
 */
export function planClearing(
  fullness: ContextFullness,
  options: ClearToolUses,
  toolResults: readonly ClearableToolResult[],
): ClearingPlan | null {
  if (fullness.ratio < options.trigger_ratio) return null;
  const target = options.target_ratio * fullness.window;
  const candidates = toolResults.slice(0, Math.max(0, toolResults.length - options.keep));
  let saved = 0;
  let cleared = 0;
  let through: number | null = null;
  for (const [seq, savedTokens] of candidates) {
    if (fullness.estimated_tokens - saved <= target) break;
    saved += savedTokens;
    if (savedTokens > 0) cleared++;
    through = seq;
  }
  if (through === null || cleared === 0) return null;
  return {
    cleared_through_seq: through,
    tool_results_cleared: cleared,
    estimated_tokens_before: fullness.estimated_tokens,
    estimated_tokens_after: fullness.estimated_tokens - saved,
  };
}

/**
 * What the next request needs once clearing has done what it could: `needs_compaction` at or past compaction's
 * `trigger_ratio` (whether compaction is enabled is for the compaction step to decide), else `fits`.
 */
export function contextVerdict(fullness: ContextFullness, options: ContextManagement): 'fits' | 'needs_compaction' {
  return fullness.ratio >= options.compaction.trigger_ratio ? 'needs_compaction' : 'fits';
}
