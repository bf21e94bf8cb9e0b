/**
 * When each tool turn of a session ran, read from its stored event log. `processed_at` is workflow time: the
 * moment of the workflow task that emitted the event (the server's clock, in milliseconds), so these timings
 * include everything a turn costs the workflow: tasks waiting for a slot, activities, storage and the model.
 */
import type { SessionEvent } from '../../src/domain/events';

/** One model request that asked for tools, and the moment its last tool result was recorded. */
export interface ToolTurn {
  /** span.model_request_start: the workflow decided to call the model. */
  startedAt: number;
  /** The turn's last agent.tool_result: the workflow had every tool result and could go on. */
  resultsAt: number;
}

/** The session's tool turns in order; a model request without tool calls (a final answer) is not one. */
export function toolTurns(events: readonly SessionEvent[]): ToolTurn[] {
  const turns: ToolTurn[] = [];
  let current: { startedAt: number; resultsAt?: number } | null = null;
  const close = () => {
    if (current?.resultsAt !== undefined) turns.push({ startedAt: current.startedAt, resultsAt: current.resultsAt });
  };
  for (const event of events) {
    if (event.type === 'span.model_request_start') {
      close();
      current = { startedAt: Date.parse(event.processed_at) };
    } else if (event.type === 'agent.tool_result' && current) {
      current.resultsAt = Date.parse(event.processed_at);
    }
  }
  close();
  return turns;
}

/** Each turn's latency: from deciding to call the model to having the tool results. */
export function turnLatencies(turns: readonly ToolTurn[]): number[] {
  return turns.map((turn) => turn.resultsAt - turn.startedAt);
}
