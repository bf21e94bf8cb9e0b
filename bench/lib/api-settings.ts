/** bench/api.ts's options: `--calls`, `--warmup`, `--streams`, `--stream-sessions`, `--turns`, `--out`. */
import path from 'node:path';
import { fileTimestamp, readBenchOptions, wholeNumber } from './options';

export const USAGE =
  'usage: npm run bench:api -- [--calls 100] [--warmup 3] [--streams 200] [--stream-sessions 20] [--turns 5] [--out FILE]';

export interface Settings {
  /** Measured journeys of each configuration (each makes one call of every operation). */
  calls: number;
  /** Journeys of each configuration run first and not measured (cold caches, JIT, connections). */
  warmup: number;
  streams: number;
  streamSessions: number;
  /** Rounds of one message to every stream session. */
  turns: number;
  outFile: string;
}

export function readSettings(argv: string[], date = new Date()): Settings {
  const values = readBenchOptions(
    argv,
    { calls: '100', warmup: '3', streams: '200', 'stream-sessions': '20', turns: '5' },
    USAGE,
  );
  const streams = wholeNumber('streams', values.streams, 1, 5_000, USAGE);
  const streamSessions = wholeNumber('stream-sessions', values['stream-sessions'], 1, 1_000, USAGE);
  if (streamSessions > streams) throw new Error(`--stream-sessions cannot exceed --streams (${streams})\n${USAGE}`);
  return {
    calls: wholeNumber('calls', values.calls, 1, 10_000, USAGE),
    warmup: wholeNumber('warmup', values.warmup, 0, 100, USAGE),
    streams,
    streamSessions,
    turns: wholeNumber('turns', values.turns, 1, 1_000, USAGE),
    outFile: values.out ?? path.join(__dirname, '..', 'results', `api-${fileTimestamp(date)}.json`),
  };
}
