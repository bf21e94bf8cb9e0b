import type Anthropic from '@anthropic-ai/sdk';
import {
  compactedRange,
  compactionSystemPrompt,
  preferredCuts,
  summaryRequestText,
  SUMMARY_MAX_TOKENS,
  type CompactionEvent,
} from '../domain/compaction';
import type { SessionEvent } from '../domain/events';
import { redactText, secretsFromEnvironment } from '../domain/redact';
import { countInputTokens } from '../domain/token-estimate';
import type { SessionStore } from '../storage/session-store';
import { withActivityBoundary } from './boundary';
import { modelRequest, type CallModelInput } from './model';
import { toModelFailure } from './model-errors';

/** What the next model call would send (as for `callModel`), and the limits compaction works to. */
export interface CompactContextInput extends Omit<CallModelInput, 'events' | 'system' | 'system_sha256'> {
  /**
   * The system prompt, inline: compaction is rare, so its one copy in history is cheaper than a lookup; the tool
   * results it hands over go whole, as before the tool-results-persisted-once patch.
   */
  system: string;
  /** Events the workflow has not persisted yet, ending at `throughSeq`: stored first, as `callModel` does. */
  events?: SessionEvent[];
  /** The model's context window, in tokens. */
  context_window: number;
  /** Compact only when the next request is estimated above this; it may be under it after clearing. */
  trigger_tokens: number;
  /** Model requests to keep whole at the end of the transcript, when they fit. */
  keep_turns: number;
  /** The agent's `compaction.instructions`. */
  instructions?: string;
}

export type CompactContextResult =
  /** The next request is under the trigger already (clearing was enough), or over it with nothing to summarise. */
  | { kind: 'not_needed'; tokens: number }
  | {
      kind: 'compacted';
      from_seq: number;
      through_seq: number;
      tokens_before: number;
      tokens_after: number;
      summary: string;
    }
  /** Even with everything that may be summarised replaced, the next request does not fit the window. */
  | { kind: 'too_large'; tokens_before: number; tokens_after: number };

/** Of the window, what compaction aims to leave: room for the next turns before the next compaction. */
const TARGET_FRACTION = 0.5;

/**
 * The compaction activity: measures the next request, chooses where a summary ends (keeping the newest turns
 * whole when they fit), asks the model for the summary and returns it. It writes no event: the workflow emits
 * `agent.thread_context_compacted` once this returns, so a retry after a lost worker just makes the summary again.
 * Model API errors come back typed and non-retryable, like `callModel`'s: the workflow retries them with events.
 */
export function createCompactionActivities({
  store,
  client,
  secrets = secretsFromEnvironment(),
}: {
  store: SessionStore;
  client: Anthropic;
  secrets?: string[];
}) {
  async function compactContext(input: CompactContextInput): Promise<CompactContextResult> {
    if (input.events?.length) await store.appendEvents(input.sessionId, input.events);
    const events = (await store.readEvents(input.sessionId)).filter((event) => event.seq <= input.throughSeq);
    const measure = (log: readonly SessionEvent[]) => countInputTokens(modelRequest(input, log));
    const tokensBefore = measure(events);
    if (tokensBefore <= input.trigger_tokens) return { kind: 'not_needed', tokens: tokensBefore };

    const cut = chooseCut(events, input, measure);
    if (!cut) {
      // Nothing left to summarise: the request goes out if it fits at all, and the session ends if it does not.
      if (tokensBefore <= input.context_window) return { kind: 'not_needed', tokens: tokensBefore };
      return { kind: 'too_large', tokens_before: tokensBefore, tokens_after: tokensBefore };
    }
    const summary = await summarise(events, cut.through, input);
    const tokensAfter = measure(withSummary(events, cut, summary, input.throughSeq));
    if (tokensAfter > input.context_window)
      return { kind: 'too_large', tokens_before: tokensBefore, tokens_after: tokensAfter };
    return {
      kind: 'compacted',
      from_seq: cut.from,
      through_seq: cut.through,
      tokens_before: tokensBefore,
      tokens_after: tokensAfter,
      summary,
    };
  }

  async function summarise(events: SessionEvent[], through: number, input: CompactContextInput): Promise<string> {
    const system = compactionSystemPrompt(input.instructions);
    // Characters are about four tokens' worth each way; leave the summary's own room in the window.
    const maxChars = Math.max(4_000, (input.context_window - SUMMARY_MAX_TOKENS) * 4 - system.length - 1_000);
    try {
      const message = await client.messages.create({
        model: input.model,
        max_tokens: SUMMARY_MAX_TOKENS,
        system,
        messages: [{ role: 'user', content: summaryRequestText(events, through, maxChars) }],
      });
      const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
      return redactText(text, secrets);
    } catch (error) {
      throw toModelFailure(error);
    }
  }

  return withActivityBoundary({ compactContext }, { secrets });
}

interface Cut {
  from: number;
  through: number;
}

/**
 * The first cut that leaves the request under the target (keeping the newest turns whole when they fit), else the
 * first that fits the window at all; null when none does. Measured with a summary of the largest allowed size.
 * Each later cut summarises more, so the sizes only fall along the list and a binary search needs few
 * measurements, however long the session ran since its last summary.
 */
function chooseCut(
  events: SessionEvent[],
  input: CompactContextInput,
  measure: (log: readonly SessionEvent[]) => number,
): Cut | null {
  const placeholder = 'x'.repeat(SUMMARY_MAX_TOKENS * 4);
  const cuts = preferredCuts(events, input.keep_turns).map((seq) => compactedRange(events, seq));
  const sizes = new Map<number, number>();
  const sizeAt = (index: number) => {
    const known = sizes.get(index);
    if (known !== undefined) return known;
    const tokens = measure(withSummary(events, cuts[index], placeholder, input.throughSeq));
    sizes.set(index, tokens);
    return tokens;
  };
  const fitting = firstAtMost(cuts.length, sizeAt, input.context_window * TARGET_FRACTION);
  const fallback = fitting ?? firstAtMost(cuts.length, sizeAt, input.context_window);
  return fallback === null ? null : cuts[fallback];
}

/** The first index whose (non-increasing) size is at most `limit`, or null. */
function firstAtMost(count: number, sizeAt: (index: number) => number, limit: number): number | null {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (sizeAt(middle) <= limit) high = middle;
    else low = middle + 1;
  }
  return low < count ? low : null;
}

/** The log as the transcript builder will see it once the workflow has emitted the summary's event. */
function withSummary(events: SessionEvent[], cut: Cut, summary: string, throughSeq: number): SessionEvent[] {
  const event: CompactionEvent = {
    id: 'pending-compaction',
    seq: throughSeq + 1,
    processed_at: new Date(0).toISOString(),
    type: 'agent.thread_context_compacted',
    compacted_from_seq: cut.from,
    compacted_through_seq: cut.through,
    tokens_before: 0,
    tokens_after: 0,
    summary: [{ type: 'text', text: summary }],
  };
  return [...events, event];
}
