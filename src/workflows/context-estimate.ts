/**
 * The session's running estimate of its next model request, in tokens, carried in SessionState: the previous
 * request as the API measured it (input plus the reply it wrote) and what the log added since (user messages,
 * tool results, outcome text). Cheap and without I/O, so the workflow can decide each turn whether the
 * compaction activity, which measures exactly, is worth a call.
 */
import type { SessionEvent } from '../domain/events';
import { estimateJsonTokens } from '../domain/token-estimate';
import { requestInputTokens } from '../domain/context-window';
import type { Usage } from '../domain/usage';

export interface ContextEstimate {
  previous_request_tokens: number;
  added_tokens: number;
}

export const NO_ESTIMATE: ContextEstimate = { previous_request_tokens: 0, added_tokens: 0 };

export function estimatedTokens(estimate: ContextEstimate | undefined): number {
  return estimate ? estimate.previous_request_tokens + estimate.added_tokens : 0;
}

/** After a model request: its input and its reply are the next request's start. */
export function afterModelRequest(usage: Usage): ContextEstimate {
  return { previous_request_tokens: requestInputTokens(usage) + usage.output_tokens, added_tokens: 0 };
}

/** What an event adds to the next request; the agent's own output is in the previous request's usage. */
export function withEvent(estimate: ContextEstimate | undefined, event: SessionEvent): ContextEstimate {
  const base = estimate ?? NO_ESTIMATE;
  const added = addedTokens(event);
  return added === 0 ? base : { ...base, added_tokens: base.added_tokens + added };
}

function addedTokens(event: SessionEvent): number {
  switch (event.type) {
    case 'user.message':
    case 'agent.tool_result':
      return estimateJsonTokens(event.content);
    case 'user.define_outcome':
      return estimateJsonTokens(event.description) + estimateJsonTokens(event.rubric);
    case 'span.outcome_evaluation_end':
      return estimateJsonTokens(event.explanation) + estimateJsonTokens(event.criteria);
    default:
      return 0;
  }
}
