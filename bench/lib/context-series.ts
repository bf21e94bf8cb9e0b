/**
 * How full each model request of a session was, read from its stored event log: every answered request's
 * `span.model_request_end` carries the usage the model reported, and its input tokens plus cache reads plus cache
 * writes are the request's whole prompt (the scripted model counts them with the same estimate as its window).
 *
 * A batch is where Lucid shortened the transcript before a request: a `span.context_cleared` event (a batch of old
 * tool results sent as placeholders from then on) or an `agent.thread_context_compacted` event (a summary in place
 * of the older conversation). Between two batches each request only extends the previous prompt, so it can read
 * almost all of it from the prompt cache; the first request after a batch cannot, because its prefix changed.
 */
import type { SessionEvent } from '../../src/domain/events';

/** What shortened the transcript before a request. */
export type BatchKind = 'clearing' | 'compaction';

/** The event types of the two kinds, compared as strings so this module reads logs of any Lucid version. */
const BATCH_EVENTS: Record<string, BatchKind> = {
  'span.context_cleared': 'clearing',
  'agent.thread_context_compacted': 'compaction',
};

/** One answered model request of the agent. */
export interface RequestTokens {
  /** 1-based position among the session's answered requests. */
  request: number;
  /** The whole prompt: input + cache read + cache creation tokens. */
  prompt: number;
  cacheRead: number;
  /** The request is the first after a batch (a compaction when both happened). */
  after: BatchKind | null;
}

/** Cache reads over prompt tokens for a group of requests (null for an empty group). */
export interface CacheShare {
  requests: number;
  share: number | null;
}

export interface ContextSeries {
  requests: RequestTokens[];
  /** Requests (1-based) that came first after a batch, by kind. */
  batches: Record<BatchKind, number[]>;
  cacheReadShare: {
    all: CacheShare;
    /** Before the first batch: the transcript only grows. */
    beforeFirstBatch: CacheShare;
    /** After the first batch, the batch requests left out: the steady state between batches. */
    betweenBatches: CacheShare;
    /** The first request after each batch: its prefix changed, so it reads little. */
    atBatches: CacheShare;
  };
}

/** The agent's answered requests in order, their sizes, the batches and the cache-read shares around them. */
export function contextSeries(events: readonly SessionEvent[]): ContextSeries {
  const requests: RequestTokens[] = [];
  let pending: BatchKind | null = null;
  for (const event of events) {
    const kind = BATCH_EVENTS[event.type];
    if (kind) pending = pending === 'compaction' ? pending : kind;
    if (event.type !== 'span.model_request_end' || event.is_error) continue;
    const usage = event.model_usage;
    requests.push({
      request: requests.length + 1,
      prompt: usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens,
      cacheRead: usage.cache_read_input_tokens,
      after: pending,
    });
    pending = null;
  }
  const atBatches = requests.filter((request) => request.after !== null);
  const first = atBatches.length ? atBatches[0].request : Number.POSITIVE_INFINITY;
  const numbers = (kind: BatchKind) => atBatches.filter((request) => request.after === kind).map((r) => r.request);
  return {
    requests,
    batches: { clearing: numbers('clearing'), compaction: numbers('compaction') },
    cacheReadShare: {
      all: cacheShare(requests),
      beforeFirstBatch: cacheShare(requests.filter((request) => request.request < first)),
      betweenBatches: cacheShare(requests.filter((request) => request.request > first && request.after === null)),
      atBatches: cacheShare(atBatches),
    },
  };
}

function cacheShare(requests: readonly RequestTokens[]): CacheShare {
  const prompt = requests.reduce((sum, request) => sum + request.prompt, 0);
  const read = requests.reduce((sum, request) => sum + request.cacheRead, 0);
  return { requests: requests.length, share: prompt > 0 ? read / prompt : null };
}
