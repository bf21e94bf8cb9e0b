/** Summary statistics for benchmark samples. */

/** The middle value (the mean of the two middle values for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The nearest-rank percentile: the smallest value with at least `percent`% of the values at or below it. With
 * few samples it is an observed value, never an interpolation (p90 of 5 samples is the largest).
 */
export function percentile(values: readonly number[], percent: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[rank - 1];
}

/** A span of time, e.g. from a request's arrival to its answer (milliseconds on any one clock). */
export interface Interval {
  start: number;
  end: number;
}

/** The largest number of intervals that overlap at one moment: how much ran in parallel. 0 for none. */
export function peakOverlap(intervals: readonly Interval[]): number {
  // An end sorts before a start at the same moment: touching intervals did not run together.
  const edges = intervals.flatMap(({ start, end }) => [
    { at: start, change: 1 },
    { at: end, change: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.change - b.change);
  let current = 0;
  let peak = 0;
  for (const edge of edges) {
    current += edge.change;
    peak = Math.max(peak, current);
  }
  return peak;
}

/** What a latency table shows of a set of samples (milliseconds): how many, the median, the tail, the worst. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}
