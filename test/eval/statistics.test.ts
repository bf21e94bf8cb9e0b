/**
 * The report's statistics: pass rates, the seeded percentile bootstrap, and the paired difference to baseline.
 * Expected values are reasoned from the definitions (a resample of identical values has that value as its mean).
 */
import { bootstrapInterval, DEFAULT_SEED, mean, pairedDifference, round } from '../../src/eval/statistics';

const repeat = (value: number, times: number) => Array.from({ length: times }, () => value);

describe('mean (the pass rate of 0/1 scores)', () => {
  it('is the share of passes, and 0 for no runs', () => {
    expect(mean([1, 0, 1, 1])).toBe(0.75);
    expect(mean(repeat(1, 17))).toBe(1);
    expect(mean([])).toBe(0);
  });

  it('rounds to four decimals for the report', () => {
    expect(round(mean([1, 0, 0]))).toBe(0.3333);
    expect(round(2 / 3)).toBe(0.6667);
  });
});

describe('bootstrapInterval', () => {
  const mixed = [1, 0, 1, 1, 0, 1, 0, 1, 1, 1];

  it('is deterministic for a seed: the same seed gives the same interval, the default seed is DEFAULT_SEED', () => {
    expect(bootstrapInterval(mixed, 5)).toEqual(bootstrapInterval(mixed, 5));
    expect(bootstrapInterval(mixed)).toEqual(bootstrapInterval(mixed, DEFAULT_SEED));
  });

  it('depends on the seed (different resamples), yet every seed gives a valid interval', () => {
    const intervals = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => bootstrapInterval(mixed, seed));
    expect(new Set(intervals.map((interval) => interval.join())).size).toBeGreaterThan(1);
    for (const [low, high] of intervals) {
      expect(low).toBeLessThanOrEqual(0.7);
      expect(high).toBeGreaterThanOrEqual(0.7);
      expect(low).toBeGreaterThanOrEqual(0);
      expect(high).toBeLessThanOrEqual(1);
      expect(low).toBeLessThan(high);
    }
  });

  it('collapses to [p, p] when every run agrees', () => {
    expect(bootstrapInterval(repeat(1, 12))).toEqual([1, 1]);
    expect(bootstrapInterval(repeat(0, 12))).toEqual([0, 0]);
    expect(bootstrapInterval([1])).toEqual([1, 1]);
  });

  it('is [0, 0] for no runs', () => {
    expect(bootstrapInterval([])).toEqual([0, 0]);
  });

  it('narrows as runs grow for the same pass rate', () => {
    const width = ([low, high]: [number, number]) => high - low;
    const small = [1, 0, 1, 0];
    const large = Array.from({ length: 25 }, () => small).flat();
    expect(width(bootstrapInterval(large))).toBeLessThan(width(bootstrapInterval(small)));
  });
});

describe('pairedDifference', () => {
  it('is +1 with [1, 1] for a constructed uplift from 0/10 to 10/10', () => {
    expect(pairedDifference(repeat(1, 10), repeat(0, 10))).toEqual({ difference: 1, ci95: [1, 1] });
  });

  it('is negative for a regression and 0 [0, 0] for identical arms', () => {
    expect(pairedDifference(repeat(0, 10), repeat(1, 10))).toEqual({ difference: -1, ci95: [-1, -1] });
    const same = [1, 0, 1, 1, 0];
    expect(pairedDifference(same, same)).toEqual({ difference: 0, ci95: [0, 0] });
  });

  it('pairs by position: equal pass rates on disjoint runs give 0 with an interval spanning both signs', () => {
    // Both arms pass 2 of 4, but on disjoint runs: the pairs differ by +1, +1, -1, -1, mean 0, a wide interval.
    const result = pairedDifference([1, 1, 0, 0], [0, 0, 1, 1]);
    expect(result.difference).toBe(0);
    expect(result.ci95[0]).toBeLessThan(0);
    expect(result.ci95[1]).toBeGreaterThan(0);
  });

  it('is the mean of the pairwise differences, with an interval containing it', () => {
    // pairs: (1,0) (1,1) (0,0) (1,0) → differences 1, 0, 0, 1 → 0.5
    const result = pairedDifference([1, 1, 0, 1], [0, 1, 0, 0]);
    expect(result.difference).toBe(0.5);
    expect(result.ci95[0]).toBeLessThanOrEqual(0.5);
    expect(result.ci95[1]).toBeGreaterThanOrEqual(0.5);
    expect(result.ci95[0]).toBeGreaterThanOrEqual(0);
    expect(result.ci95[1]).toBeLessThanOrEqual(1);
  });

  it('refuses samples of different sizes, naming both', () => {
    expect(() => pairedDifference([1, 0, 1], [1, 0])).toThrow('paired samples differ in size: 3 ≠ 2');
  });
});
