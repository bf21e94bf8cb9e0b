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

const KIND_NOUNS: ReadonlyArray<[ProvenanceKind, string, string]> = [
  ['user_message', 'user message', 'user messages'],
  ['agent_reasoning', 'agent reasoning step', 'agent reasoning steps'],
  ['tool_output', 'tool output', 'tool outputs'],
];

/**
 * `2 user messages, 1 tool output, 1 cited seq without evidence` for a change's evidence, or null for a change
 * from before provenance was recorded. For the CLI and the eval report.
 */
export function describeProvenance(change: {
  evidence: readonly Evidence[];
  provenance?: readonly EvidenceProvenance[];
}): string | null {
  if (!change.provenance) return null;
  const provenance = change.provenance;
  const counted = KIND_NOUNS.map(([kind, one, many]) => {
    const count = provenance.filter((item) => item.kind === kind).length;
    return count === 0 ? null : `${count} ${count === 1 ? one : many}`;
  });
  const cited = change.evidence.reduce((total, item) => total + item.seqs.length, 0);
  const unverified = cited - provenance.length;
  if (unverified > 0) counted.push(`${unverified} cited seq${unverified === 1 ? '' : 's'} without evidence`);
  return counted.filter((part) => part !== null).join(', ') || 'nothing cited';
}

/** Why a change is untrusted, or null when it is trusted (or from before provenance). */
export function untrustedReason(change: {
  provenance?: readonly EvidenceProvenance[];
  trusted?: boolean;
}): string | null {
  if (change.trusted !== false) return null;
  return change.provenance?.length ? 'only tool output' : 'no verified evidence';
}
