/**
 * How the worker (`npm run worker`) writes its log: one line an entry, `time [LEVEL] message key=value ...`, so an
 * expected failure (a 429 the boundary classified, src/activities/boundary.ts) is one line, not the SDK default's
 * object dump of a dozen lines. Only an unexpected error, which the SDK logs with `error` in its metadata, adds its
 * stack below the line: that is when a stack helps.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import { inspect } from 'node:util';

/** Metadata that says nothing to a reader (the task token is an opaque id of the same activity). */
const HIDDEN_FIELDS = new Set(['taskToken', 'sdkComponent']);

export function formatLogEntry({ level, message, meta, timestampNanos }: LogEntry): string {
  const { error, ...fields } = meta ?? {};
  const pairs = Object.entries(fields)
    .filter(([key, value]) => value !== undefined && !HIDDEN_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : inspect(value, { breakLength: Infinity })}`);
  const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  const line = [time, `[${level}]`, message, ...pairs].join(' ');
  return error === undefined ? line : `${line}\n${inspect(error)}`;
}

/** The worker's logger: Temporal's DefaultLogger at `level`, writing {@link formatLogEntry} lines to stderr. */
export function workerLogger(level: LogLevel = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, (entry) => process.stderr.write(`${formatLogEntry(entry)}\n`));
}
