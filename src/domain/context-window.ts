/**
 * How big a model's context window is and how full the next request will be. Pure: the workflow imports it.
 *
 * Names shared with the compaction side (read by src/workflows and the compaction helper):
 * - `contextWindowOf(agent)`: the agent's `context_window` override, else {@link MODEL_CONTEXT_WINDOWS}, else
 *   {@link DEFAULT_CONTEXT_WINDOW}.
 * - `contextManagementOf(agent)`: the agent's `context_management` with every default filled in
 *   ({@link ContextManagement}: `clear_tool_uses.{trigger_ratio, target_ratio, keep}`,
 *   `compaction.{enabled, trigger_ratio, instructions}`), defined in agent-definition.ts.
 * - `nextRequestFullness({window, previous_request_tokens, added_tokens})`: {@link ContextFullness}.
 * The token estimate itself is src/domain/token-estimate.ts, shared with the scripted model.
 */
import { ContextManagementSchema, type AgentDefinition, type ContextManagement } from './agent-definition';
import type { Usage } from './usage';

/** The window of a model the table does not know: that of every current Claude model. */
export const DEFAULT_CONTEXT_WINDOW = 200_000;

/**
 * Context windows of Claude models by model-name prefix, longest prefix first. Every current model has 200,000
 * tokens by default; the 1M-token beta of some models is opted into per agent with `context_window`.
 */
export const MODEL_CONTEXT_WINDOWS: ReadonlyArray<{ prefix: string; tokens: number }> = [
  { prefix: 'claude-opus-4', tokens: 200_000 },
  { prefix: 'claude-sonnet-4', tokens: 200_000 },
  { prefix: 'claude-haiku-4', tokens: 200_000 },
  { prefix: 'claude-opus-5', tokens: 200_000 },
  { prefix: 'claude-sonnet-5', tokens: 200_000 },
  { prefix: 'claude-haiku-5', tokens: 200_000 },
  { prefix: 'claude-3', tokens: 200_000 },
];

/** The window, in input tokens, of requests to `model`. */
export function modelContextWindow(model: string): number {
  return MODEL_CONTEXT_WINDOWS.find((entry) => model.startsWith(entry.prefix))?.tokens ?? DEFAULT_CONTEXT_WINDOW;
}

/** The window an agent's requests must fit in: its own `context_window`, else its model's. */
export function contextWindowOf(agent: Pick<AgentDefinition, 'model' | 'context_window'>): number {
  return agent.context_window ?? modelContextWindow(agent.model);
}

/** The agent's context management options with every default filled in. */
export function contextManagementOf(agent: Pick<AgentDefinition, 'context_management'>): ContextManagement {
  return ContextManagementSchema.parse(agent.context_management ?? {});
}

/** Every input token a request was billed for, cached or not: what counts against the window. */
export function requestInputTokens(usage: Usage): number {
  return usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
}

export interface ContextFullness {
  /** Estimated input tokens of the next request. */
  estimated_tokens: number;
  window: number;
  /** `estimated_tokens / window`: past a trigger ratio, context management steps in. */
  ratio: number;
}

/**
 * How full the next request will be: the previous request's reported input (exact, as the API counted it) plus
 * an estimate of what was added since (its reply, tool results, user messages) minus what a clearing batch took
 * out since. With no previous request, `previous_request_tokens` is 0 and `added_tokens` estimates everything.
 */
export function nextRequestFullness(input: {
  window: number;
  previous_request_tokens: number;
  added_tokens: number;
  removed_tokens?: number;
}): ContextFullness {
  const estimated = Math.max(0, input.previous_request_tokens + input.added_tokens - (input.removed_tokens ?? 0));
  return { estimated_tokens: estimated, window: input.window, ratio: estimated / input.window };
}
