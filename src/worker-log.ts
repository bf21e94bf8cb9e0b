/**
 * How the worker (`npm run worker`) writes its log: one line an entry, `time [LEVEL] message key=value ...`, so an
 * expected failure (a 429 the boundary classified, src/activities/boundary.ts) is one line, not the SDK default's
 * object dump of a dozen lines. An error in the metadata is part of the line when it is expected (a BENIGN
 * ApplicationFailure: a workflow failing on one, say); only an unexpected error adds its stack below the line, which
 * is when a stack helps.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import { inspect } from 'node:util';

/** Metadata that says nothing to a reader (the task token is an opaque id of the same activity). */
const HIDDEN_FIELDS = new Set(['taskToken', 'sdkComponent']);

export function formatLogEntry({ level, message, meta, timestampNanos }: LogEntry): string {
  const { error, ...fields } = meta ?? {};
  const expected = isExpected(error);
  if (expected) fields.error = `${error.type}: ${error.message}`;
  const pairs = Object.entries(fields)
    .filter(([key, value]) => value !== undefined && !HIDDEN_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : inspect(value, { breakLength: Infinity })}`);
  const time = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  const line = [time, `[${level}]`, message, ...pairs].join(' ');
  return error === undefined || expected ? line : `${line}\n${inspect(error)}`;
}

function isExpected(error: unknown): error is ApplicationFailure {
  return error instanceof ApplicationFailure && error.category === ApplicationFailureCategory.BENIGN;
}

/** The worker's logger: Temporal's DefaultLogger at `level`, writing {@link formatLogEntry} lines to stderr. */
export function workerLogger(level: LogLevel = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, (entry) => process.stderr.write(`${formatLogEntry(entry)}\n`));
}
