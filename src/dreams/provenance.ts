/**
 * Provenance of a dream change's evidence, derived by Lucid from the event log, never claimed by the model.
 *
 * Each cited seq is looked up in its own session's events: a user's words are `user_message`, the agent's own
 * messages and tool calls are `agent_reasoning`, and anything a tool, a custom tool or another thread returned is
 * `tool_output`. A seq that does not exist in that session counts as no evidence. Mixed evidence is trusted as
 * soon as one verified item is not tool output: untrusted content may only corroborate, never found, a change.
 */
import type { SessionEvent } from '../domain/events';
import type { Evidence } from '../domain/dream';

export type ProvenanceKind = 'user_message' | 'agent_reasoning' | 'tool_output';

/** One cited seq with what Lucid found there. */
export interface EvidenceProvenance {
  session_id: string;
  seq: number;
  kind: ProvenanceKind;
}

/** The kind of an event as evidence, or null for events that carry no content (spans, status changes). */
export function provenanceOf(event: SessionEvent): ProvenanceKind | null {
  switch (event.type) {
    case 'user.message':
    case 'user.tool_confirmation':
      return 'user_message';
    case 'agent.message':
    case 'agent.tool_use':
    case 'agent.custom_tool_use':
    case 'agent.thread_message_sent':
      return 'agent_reasoning';
    case 'agent.tool_result':
    case 'user.custom_tool_result':
    case 'agent.thread_message_received':
      return 'tool_output';
    default:
      return null;
  }
}

/** The verified provenance of every cited seq that exists in its session's log and carries content. */
export function classifyEvidence(
  evidence: readonly Evidence[],
  eventsBySession: ReadonlyMap<string, readonly SessionEvent[]>,
): EvidenceProvenance[] {
  return evidence.flatMap(({ session_id, seqs }) => {
    const events = eventsBySession.get(session_id) ?? [];
    return seqs.flatMap((seq) => {
      const event = events.find((candidate) => candidate.seq === seq);
      const kind = event ? provenanceOf(event) : null;
      return kind ? [{ session_id, seq, kind }] : [];
    });
  });
}

/** Untrusted: no verified evidence, or only tool output. Such a change always waits for human review. */
export function isUntrusted(provenance: readonly EvidenceProvenance[]): boolean {
  return provenance.every((item) => item.kind === 'tool_output');
}
