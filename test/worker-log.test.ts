/** The worker's log format: one line an entry; only an unexpected error's stack goes below its line. */
import { ApplicationFailure } from '@temporalio/common';
import { formatLogEntry } from '../src/worker-log';

const timestampNanos = BigInt(Date.UTC(2026, 0, 2, 3, 4, 5)) * 1_000_000n;
/** What the SDK attaches to an activity's log entries. */
const activityMeta = {
  sdkComponent: 'activity',
  isLocal: false,
  attempt: 2,
  namespace: 'default',
  taskToken: 'CiQ4YzQ0ZjM5Yi0wMWE3LTQ1ZjEtOWQxMS1hZjIxZjc3ZjQ2ZjgSCHNlc25fYWJj',
  activityId: '5',
  activityType: 'gradeOutcome',
  taskQueue: 'lucid',
  workflowId: 'sesn_01',
  workflowRunId: '0193a2b4-1234-7abc-9def-0123456789ab',
  workflowType: 'agentSession',
};

describe('formatLogEntry', () => {
  it('writes an expected failure as one line with its activity fields', () => {
    const line = formatLogEntry({
      level: 'WARN',
      message: 'Activity failed (expected, retryable): ModelRateLimited: model API answered 429: slow down',
      meta: activityMeta,
      timestampNanos,
    });
    expect(line).toBe(
      '2026-01-02T03:04:05.000Z [WARN] Activity failed (expected, retryable): ModelRateLimited: model API answered 429: slow down ' +
        'isLocal=false attempt=2 namespace=default activityId=5 activityType=gradeOutcome taskQueue=lucid ' +
        'workflowId=sesn_01 workflowRunId=0193a2b4-1234-7abc-9def-0123456789ab workflowType=agentSession',
    );
  });

  it('writes an entry without metadata as its message', () => {
    expect(formatLogEntry({ level: 'INFO', message: 'Worker state changed', timestampNanos })).toBe(
      '2026-01-02T03:04:05.000Z [INFO] Worker state changed',
    );
  });

  it('adds the stack of an unexpected error below the line', () => {
    const error = ApplicationFailure.create({ message: 'EIO: i/o error, read' });
    const [first, ...rest] = formatLogEntry({
      level: 'WARN',
      message: 'Activity failed',
      meta: { ...activityMeta, error, durationMs: 12 },
      timestampNanos,
    }).split('\n');
    expect(first).toMatch(/ \[WARN\] Activity failed .*durationMs=12$/);
    expect(rest.join('\n')).toContain('EIO: i/o error, read');
    expect(rest.length).toBeGreaterThan(1);
  });
});
