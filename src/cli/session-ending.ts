/**
 * Did a session end well? `lucid run` and the demo exit 0 only when the agent finished its last turn normally,
 * and `lucid run` also only when every outcome of the session was satisfied.
 * The events say how each turn ended; the final snapshot stands in when they were missed, and a terminal error
 * is in both (`session.error` with `retry_status: terminal`; the snapshot's `error` and `stop_reason: error`).
 */
import type { SessionEvent, SessionSnapshot } from '../domain/events';
import { TERMINAL_OUTCOME_STATES } from '../domain/outcome';
import { describeStopReason } from './render-event';
import { oneLine } from './text';

export type SessionEnding = { ok: true } | { ok: false; reason: string };

/** Follows the events of one session and remembers how its latest turn ended. */
export class SessionEndingTracker {
  private latest: SessionEnding | null = null;

  observe(event: SessionEvent): void {
    if (event.type === 'session.status_idle') {
      this.latest =
        event.stop_reason.type === 'end_turn'
          ? { ok: true }
          : { ok: false, reason: `the turn ended with ${describeStopReason(event.stop_reason)}` };
    } else if (event.type === 'session.error' && event.error.retry_status.type === 'terminal') {
      this.latest = { ok: false, reason: `session error: ${event.error.message}` };
    } else if (event.type === 'session.status_running') {
      this.latest = null; // a new turn: only its own end counts
    }
  }

  /**
   * How the session ended: from the events when they showed an end, else from the final snapshot (e.g. when events were
   * missed because the stream started late).
   */
  ending(snapshot: SessionSnapshot | null): SessionEnding {
    if (this.latest) return this.latest;
    if (snapshot?.error) return { ok: false, reason: `session error: ${snapshot.error.message}` };
    if (snapshot?.stop_reason?.type === 'end_turn') return { ok: true };
    if (snapshot?.stop_reason)
      return { ok: false, reason: `the turn ended with ${describeStopReason(snapshot.stop_reason)}` };
    return { ok: false, reason: 'the session ended before the agent finished a turn' };
  }
}

/** Longest grader explanation quoted in the reason. */
const MAX_EXPLANATION_IN_REASON = 200;

/**
 * Whether every outcome of the session ended `satisfied` (a session without outcomes passes). Any other end —
 * `failed`, `max_iterations_reached`, `grader_error`, `interrupted` (also when a newer outcome superseded it) —
 * or an outcome that never finished, is a failure whose reason names the outcome and quotes the grader.
 */
export function outcomesEnding(snapshot: SessionSnapshot): SessionEnding {
  const unmet = (snapshot.outcome_evaluations ?? []).filter((evaluation) => evaluation.result !== 'satisfied');
  if (unmet.length === 0) return { ok: true };
  const reasons = unmet.map((evaluation) => {
    const state = TERMINAL_OUTCOME_STATES.has(evaluation.result)
      ? `ended ${evaluation.result}`
      : `did not finish (${evaluation.result})`;
    const explanation = evaluation.explanation ? `: ${oneLine(evaluation.explanation, MAX_EXPLANATION_IN_REASON)}` : '';
    return `outcome ${evaluation.outcome_id} ${state}${explanation}`;
  });
  return { ok: false, reason: reasons.join('; ') };
}
