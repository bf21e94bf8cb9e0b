/**
 * The session's running estimate of how full its next model request will be, and its clearing watermark.
 * Deterministic (workflow code): it only adds up the shared token estimate of the events the workflow emits and
 * the usage the model reported. Its state travels across continue-as-new in `SessionState.context`.
 */
import { asToolCallEvent } from '../domain/mcp-events';
import type { AgentDefinition } from '../domain/agent-definition';
import { contextVerdict, planClearing, type ClearableToolResult, type ClearingPlan } from '../domain/context-clearing';
import {
  contextManagementOf,
  contextWindowOf,
  nextRequestFullness,
  requestInputTokens,
  type ContextFullness,
} from '../domain/context-window';
import type { SessionEvent } from '../domain/events';
import { transcriptTokensOf } from '../domain/transcript';
import type { Usage } from '../domain/usage';

/**
 * Sessions from this patch on clear old tool results once a request would pass the trigger (a
 * `span.context_cleared` event and a watermark handed to callModel); before it they sent every result whole.
 */
export const CONTEXT_CLEARING_PATCH = 'context-clearing';

/** What the session carries across continue-as-new about its context; all zero for a session that never cleared. */
export interface ContextState {
  /** Tool results at or below this seq are sent to the model as placeholders (0: none). */
  cleared_through_seq: number;
  /** Input tokens of the last answered model request as the API counted them, less what clearing took out since. */
  previous_request_tokens: number;
  /** Estimated tokens the events since that request add to the next one. */
  added_tokens: number;
  /** Tool results above the watermark that clearing would shrink, oldest first, with what each would save. */
  tool_results: ClearableToolResult[];
}

export function emptyContextState(): ContextState {
  return { cleared_through_seq: 0, previous_request_tokens: 0, added_tokens: 0, tool_results: [] };
}

export class ContextTracker {
  /** Tokens already counted into the request in flight; they come back to `added_tokens` if it fails. */
  private inFlightTokens = 0;
  /** Names of tool calls still waiting for their result, for the placeholder's size. */
  private readonly pendingToolNames = new Map<string, string>();

  constructor(
    private readonly state: ContextState,
    private readonly agent: AgentDefinition,
  ) {}

  /** Counts an event the workflow just emitted (EventLog calls this for every event). */
  noteEvent(stored: SessionEvent): void {
    const event = asToolCallEvent(stored);
    if (event.type === 'agent.tool_use') this.pendingToolNames.set(event.tool_use_id, event.name);
    const toolName = event.type === 'agent.tool_result' ? this.pendingToolNames.get(event.tool_use_id) : undefined;
    const { tokens, clearable } = transcriptTokensOf(event, toolName);
    this.state.added_tokens += tokens;
    if (event.type === 'agent.tool_result') {
      this.pendingToolNames.delete(event.tool_use_id);
      // A result no shorter than its placeholder is never cleared: leaving it out keeps the state small.
      if (clearable > 0) this.state.tool_results.push([event.seq, clearable]);
    }
  }

  /** The next request's transcript is everything counted so far. */
  requestStarted(): void {
    this.inFlightTokens = this.state.added_tokens;
    this.state.added_tokens = 0;
  }

  /** The API's count of the request replaces the estimate of what it held. */
  requestAnswered(usage: Usage): void {
    this.state.previous_request_tokens = requestInputTokens(usage);
    this.inFlightTokens = 0;
  }

  requestFailed(): void {
    this.state.added_tokens += this.inFlightTokens;
    this.inFlightTokens = 0;
  }

  get clearedThroughSeq(): number {
    return this.state.cleared_through_seq;
  }

  fullness(): ContextFullness {
    return nextRequestFullness({
      window: contextWindowOf(this.agent),
      previous_request_tokens: this.state.previous_request_tokens,
      added_tokens: this.state.added_tokens,
    });
  }

  /** The clearing batch due before the next request, or null. */
  planClearing(): ClearingPlan | null {
    return planClearing(this.fullness(), contextManagementOf(this.agent).clear_tool_uses, this.state.tool_results);
  }

  /** Moves the watermark as recorded in the plan's `span.context_cleared` event. */
  applyClearing(plan: ClearingPlan): void {
    const saved = plan.estimated_tokens_before - plan.estimated_tokens_after;
    this.state.cleared_through_seq = plan.cleared_through_seq;
    this.state.tool_results = this.state.tool_results.filter(([seq]) => seq > plan.cleared_through_seq);
    // The saving comes off the part of the estimate that held the results: the previous request, then what came since.
    const fromPrevious = Math.min(saved, this.state.previous_request_tokens);
    this.state.previous_request_tokens -= fromPrevious;
    this.state.added_tokens = Math.max(0, this.state.added_tokens - (saved - fromPrevious));
  }

  /**
   * The compaction activity measured the next request: its count replaces the estimate. A summary replaced the
   * tool results up to `compactedThroughSeq`, so no clearing batch can save anything on them any more.
   */
  applyMeasurement(tokens: number, compactedThroughSeq = 0): void {
    this.state.previous_request_tokens = tokens;
    this.state.added_tokens = 0;
    this.state.tool_results = this.state.tool_results.filter(([seq]) => seq > compactedThroughSeq);
  }

  /**
   * The hook for compaction: `needs_compaction` when clearing could not bring the next request under compaction's
   * trigger.
   */
  verdict(): 'fits' | 'needs_compaction' {
    return contextVerdict(this.fullness(), contextManagementOf(this.agent));
  }
}
