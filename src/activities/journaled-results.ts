/**
 * Tool results handed to the model activity by reference.
 *
 * A workspace tool's output reaches workflow history as the `runTool` activity's result. It used to travel a
 * second time, inside the next `callModel` input, which persists the events it is handed (the lean-turns path).
 * Since the `tool-results-persisted-once` patch the workflow hands those `agent.tool_result` events over with
 * empty content and names their seqs in `tool_results_in_journal`; the model activity fills the content in from
 * the tool journal before it stores them.
 *
 * Why the journal, and not the tool activity writing its own event: the workflow stays the only author of events
 * (it still picks every seq, id and time, and emits results after the tools, in call order), so the log keeps
 * one writer and its order; and the journal already holds exactly the outcome the activity returned, redacted,
 * and returns that same outcome to any retry, so a re-run model activity writes the same event again (same seq,
 * same content) and a retried tool leaves no gap or duplicate. The workflow's own copy of the event (for the
 * `events` query) keeps the content it got from the tool activity. A worker from before the patch refuses such an
 * input rather than storing an emptied result: it requires the inline `system`, which these inputs (always made
 * together with `prompt-by-reference`) lack.
 */
import { textBlocks, type SessionEvent } from '../domain/events';
import { redactText } from '../domain/redact';
import type { ToolJournal } from '../storage/tool-journal';

/** The events with the content of each journaled tool result (by seq) read back from the session's journal. */
export async function withJournaledResults(
  events: SessionEvent[],
  seqs: readonly number[],
  journal: ToolJournal,
  secrets: string[],
): Promise<SessionEvent[]> {
  if (seqs.length === 0) return events;
  const wanted = new Set(seqs);
  const filled = await Promise.all(
    events.map(async (event) => {
      if (!wanted.has(event.seq)) return event;
      if (event.type !== 'agent.tool_result')
        throw new Error(`event ${event.seq} (${event.type}) is not a tool result to read from the journal`);
      const entry = await journal.read(event.tool_use_id);
      // The tool activity completed, so its entry is done; anything else means the journal lost it (a storage
      // fault): retried, and never stored as an empty result.
      if (entry?.state !== 'done')
        throw new Error(`the tool journal has no finished entry for ${event.tool_use_id} (event ${event.seq})`);
      return { ...event, content: textBlocks(redactText(entry.outcome.content, secrets)) };
    }),
  );
  const missing = seqs.filter((seq) => !events.some((event) => event.seq === seq));
  if (missing.length > 0) throw new Error(`tool results ${missing.join(', ')} are named but not handed over`);
  return filled;
}
