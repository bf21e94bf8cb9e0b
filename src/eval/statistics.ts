/**
 * The report's statistics: pass rates with percentile-bootstrap 95% intervals, and paired differences between
 * arms (resampling task runs, which every arm shares). The generator is seeded so a report is reproducible.
 */
import { mulberry32 } from '../scripted-model/faults';

/** The scripted model's seeded generator (Mulberry32), reused so one implementation exists. */
export const seededRandom = mulberry32;

export const BOOTSTRAP_RESAMPLES = 2000;
export const DEFAULT_SEED = 17;

export type Interval = [low: number, high: number];

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : 0;
}

/** The 2.5th and 97.5th percentiles of the resampled means; [0, 0] for no values. */
export function bootstrapInterval(values: readonly number[], seed = DEFAULT_SEED): Interval {
  if (!values.length) return [0, 0];
  const random = seededRandom(seed);
  const means: number[] = [];
  for (let resample = 0; resample < BOOTSTRAP_RESAMPLES; resample++) {
    let sum = 0;
    for (let draw = 0; draw < values.length; draw++) sum += values[Math.floor(random() * values.length)];
    means.push(sum / values.length);
  }
  means.sort((a, b) => a - b);
  const at = (share: number) => means[Math.min(means.length - 1, Math.floor(share * means.length))];
  return [round(at(0.025)), round(at(0.975))];
}

export interface PairedDifference {
  difference: number;
  ci95: Interval;
}

/** The mean of arm − baseline over the same task runs, with a bootstrap interval over those pairs. */
export function pairedDifference(
  arm: readonly number[],
  baseline: readonly number[],
  seed = DEFAULT_SEED,
): PairedDifference {
  if (arm.length !== baseline.length)
    throw new Error(`paired samples differ in size: ${arm.length} ≠ ${baseline.length}`);
  const differences = arm.map((value, index) => value - baseline[index]);
  return { difference: round(mean(differences)), ci95: bootstrapInterval(differences, seed) };
}

/** Four decimals: enough for a rate, and stable in JSON. */
export function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
