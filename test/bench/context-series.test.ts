import { contextSeries } from '../../bench/lib/context-series';
import type { SessionEvent, SessionEventBody } from '../../src/domain/events';

/** A log of the given bodies, with the seqs, ids and times the workflow would give them. */
function log(bodies: SessionEventBody[]): SessionEvent[] {
  return bodies.map((body, index) => ({
    ...body,
    id: `sevt_${index + 1}`,
    seq: index + 1,
    processed_at: new Date(index * 1000).toISOString(),
  })) as SessionEvent[];
}

/** An answered request whose prompt was `prompt` tokens, `read` of them from the cache (or a failed one). */
function requestEnd(prompt: number, read: number, isError = false): SessionEventBody {
  return {
    type: 'span.model_request_end',
    model_request_start_id: 'sevt_0',
    is_error: isError,
    model_usage: {
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: read,
      cache_creation_input_tokens: prompt - read - 10,
    },
  };
}

const cleared: SessionEventBody = {
  type: 'span.context_cleared',
  cleared_through_seq: 2,
  tool_results_cleared: 1,
  estimated_tokens_before: 140,
  estimated_tokens_after: 100,
};

describe('contextSeries', () => {
  it('reads each answered request, marks the first after a clearing batch and splits the cache-read share there', () => {
    const series = contextSeries(
      log([
        requestEnd(100, 0),
        requestEnd(120, 100),
        requestEnd(130, 0, true), // a failed request: no prompt was answered
        cleared,
        requestEnd(80, 20),
        requestEnd(100, 80),
      ]),
    );
    expect(series.requests.map((request) => [request.prompt, request.cacheRead, request.after])).toEqual([
      [100, 0, null],
      [120, 100, null],
      [80, 20, 'clearing'],
      [100, 80, null],
    ]);
    expect(series.batches).toEqual({ clearing: [3], compaction: [] });
    expect(series.cacheReadShare.beforeFirstBatch).toEqual({ requests: 2, share: 100 / 220 });
    expect(series.cacheReadShare.atBatches).toEqual({ requests: 1, share: 20 / 80 });
    expect(series.cacheReadShare.betweenBatches).toEqual({ requests: 1, share: 80 / 100 });
    expect(series.cacheReadShare.all).toEqual({ requests: 4, share: 200 / 400 });
  });

  it('counts a compaction after a clearing batch before the same request as a compaction', () => {
    const series = contextSeries(
      log([
        requestEnd(100, 0),
        cleared,
        {
          type: 'agent.thread_context_compacted',
          compacted_from_seq: 1,
          compacted_through_seq: 1,
          tokens_before: 170,
          tokens_after: 20,
          summary: [{ type: 'text', text: 'summary' }],
        },
        requestEnd(30, 0),
      ]),
    );
    expect(series.batches).toEqual({ clearing: [], compaction: [2] });
    expect(series.cacheReadShare.betweenBatches).toEqual({ requests: 0, share: null });
  });
});
