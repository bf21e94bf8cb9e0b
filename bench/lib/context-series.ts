/**
 * How full each model request of a session was, read from its stored event log: every answered request's
 * `span.model_request_end` carries the usage the model reported, and its input tokens plus cache reads plus cache
 * writes are the request's whole prompt (the scripted model counts them with the same estimate as its window).
 *
 * A request whose prompt is smaller than the one before it is where Lucid shortened the transcript: a batch of old
 * tool results cleared, or a compaction. Between two such batches each request only extends the previous prompt, so
 * it can read almost all of it from the prompt cache; the request at a batch cannot, because its prefix changed.
 */
import type { SessionEvent } from '../../src/domain/events';

/** One answered model request of the agent. */
export interface RequestTokens {
  /** 1-based position among the session's answered requests. */
  request: number;
  /** The whole prompt: input + cache read + cache creation tokens. */
  prompt: number;
  cacheRead: number;
}

/** Cache reads over prompt tokens for a group of requests (null for an empty group). */
export interface CacheShare {
  requests: number;
  share: number | null;
}

export interface ContextSeries {
  requests: RequestTokens[];
  /** Requests (1-based) whose prompt is smaller than the previous request's. */
  batches: number[];
  cacheReadShare: {
    all: CacheShare;
    /** Before the first batch: the transcript only grows. */
    beforeFirstBatch: CacheShare;
    /** After the first batch, the batch requests left out: the steady state between batches. */
    betweenBatches: CacheShare;
    /** The batch requests themselves: their prefix changed, so they read little. */
    atBatches: CacheShare;
  };
}

/** The agent's answered requests in order, their sizes, the batches and the cache-read shares around them. */
export function contextSeries(events: readonly SessionEvent[]): ContextSeries {
  const requests = events
    .filter((event) => event.type === 'span.model_request_end' && !event.is_error)
    .map((event, index): RequestTokens => {
      const usage = (event as Extract<SessionEvent, { type: 'span.model_request_end' }>).model_usage;
      return {
        request: index + 1,
        prompt: usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens,
        cacheRead: usage.cache_read_input_tokens,
      };
    });
  const batches = requests.filter((current, index) => index > 0 && current.prompt < requests[index - 1].prompt);
  const batchSet = new Set(batches);
  const first = batches.length ? batches[0].request : Number.POSITIVE_INFINITY;
  return {
    requests,
    batches: batches.map((request) => request.request),
    cacheReadShare: {
      all: cacheShare(requests),
      beforeFirstBatch: cacheShare(requests.filter((request) => request.request < first)),
      betweenBatches: cacheShare(requests.filter((request) => request.request > first && !batchSet.has(request))),
      atBatches: cacheShare(batches),
    },
  };
}

function cacheShare(requests: readonly RequestTokens[]): CacheShare {
  const prompt = requests.reduce((sum, request) => sum + request.prompt, 0);
  const read = requests.reduce((sum, request) => sum + request.cacheRead, 0);
  return { requests: requests.length, share: prompt > 0 ? read / prompt : null };
}
