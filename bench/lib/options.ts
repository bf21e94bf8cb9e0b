/** Command-line and report helpers shared by the benchmarks. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

/**
 * Reads a benchmark's options: each `--name value` of `defaults` (all strings, checked by the caller), `--out FILE`
 * (absent unless given) and `--help`, which prints the usage and exits. An unknown option is an error.
 */
export function readBenchOptions<K extends string>(
  argv: string[],
  defaults: Record<K, string>,
  usage: string,
): Record<K, string> & { out?: string } {
  const options = Object.fromEntries(
    Object.entries<string>(defaults).map(([name, value]) => [name, { type: 'string' as const, default: value }]),
  );
  const { values } = parseArgs({
    args: argv,
    options: { ...options, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return values as Record<K, string> & { out?: string };
}

/** Parses a whole number within bounds, or throws an error naming the option and showing the usage. */
export function wholeNumber(name: string, value: string, min: number, max: number, usage: string): number {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max))
    throw new Error(`--${name} must be a whole number from ${min} to ${max}, got "${value}"\n${usage}`);
  return number;
}

/** Parses a comma-separated list of whole numbers within bounds (`1,4,16`), keeping the order given. */
export function wholeNumberList(name: string, value: string, min: number, max: number, usage: string): number[] {
  const numbers = value.split(',').map((part) => wholeNumber(name, part.trim(), min, max, usage));
  if (new Set(numbers).size !== numbers.length) throw new Error(`--${name} lists a number twice: "${value}"\n${usage}`);
  return numbers;
}

/** `2025-06-05-140211`: a date that sorts, with the time so that two runs on one day keep both files. */
export function fileTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', '-').replace(/:/g, '');
}

/** What the numbers were measured on, for the JSON report. */
export function describeMachine(): { platform: string; cpus: string; node: string } {
  return {
    platform: `${os.platform()} ${os.release()}`,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    node: process.version,
  };
}

/** Writes a benchmark's JSON report and says where it went. */
export function writeReport(outFile: string, report: { runtime_ms: number } & Record<string, unknown>): void {
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    `results written to ${path.relative(process.cwd(), outFile)} (run took ${Math.round(report.runtime_ms / 1000)} s)`,
  );
}

/** Runs a benchmark's main function; any failure prints its stack and exits 1. */
export function runBenchmark(main: () => Promise<void>): void {
  main().catch((error) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
