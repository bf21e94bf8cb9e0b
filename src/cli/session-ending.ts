/**
 * Did a session end well? `lucid run` and the demo exit 0 only when the agent finished its last turn normally.
 * The snapshot alone cannot tell: a terminal model error ends the session without changing `stop_reason`, so
 * the events are watched as well.
 */
import type { SessionEvent, SessionSnapshot } from '../domain/events';
import { describeStopReason } from './render-event';

export type SessionEnding =
  | { ok: true }
  | { ok: false; reason: string };

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
    if (snapshot?.stop_reason?.type === 'end_turn') return { ok: true };
    if (snapshot?.stop_reason) return { ok: false, reason: `the turn ended with ${describeStopReason(snapshot.stop_reason)}` };
    return { ok: false, reason: 'the session ended before the agent finished a turn' };
  }
}
