/**
 * The activity failure boundary's error mapping (toActivityFailure): retryability from the error's fault, model API
 * errors through their own mapping, redaction of message, stack and causes, and one log line for expected failures.
 * Model errors are the real SDK's, answering the scripted model server.
 */
import { ApplicationFailure, ApplicationFailureCategory, CancelledFailure } from '@temporalio/common';
import { createAnthropicClient } from '../../src/activities/model';
import { toActivityFailure } from '../../src/activities/boundary';
import { FailureType } from '../../src/domain/failure-types';
import { InvalidAgentError, InvalidSessionInputError, SimulatedCrash, StorageUnavailableError } from '../../src/errors';
import { MemoryNotFoundError, MemoryStoreBusyError } from '../../src/memory/errors';
import { asStorageUnavailable, isStorageUnavailable } from '../../src/storage/storage-unavailable';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';
import { WorkspaceError } from '../../src/workspace/sandbox';

const SECRET = 'hunter2-super-secret';

let model: ScriptedModel | undefined;
afterEach(async () => {
  await model?.close();
  model = undefined;
});

async function sdkError(error: { status: number; retry_after?: number; message?: string }): Promise<unknown> {
  model = await startScriptedModel({ scenario: { rules: [{ reply: { error } }] } });
  const anthropic = createAnthropicClient({ ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'test' });
  return anthropic.messages
    .create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
    .catch((caught: unknown) => caught);
}

/** The failure and the lines the boundary would log for it. */
function mapped(error: unknown): { failure: Error; lines: string[] } {
  const lines: string[] = [];
  const failure = toActivityFailure(error, [SECRET], (line) => lines.push(line));
  return { failure, lines };
}

describe('toActivityFailure', () => {
  it.each([
    ['an unknown agent', new InvalidAgentError('agent "nope" not found'), FailureType.InvalidAgent],
    ['a missing memory store', new MemoryNotFoundError('memory_store', 'memstore_x'), FailureType.MemoryNotFound],
    ['a bad path from the model', new WorkspaceError('not_found', 'No such file'), 'Workspace'],
  ])('makes %s a non-retryable failure of its type, logged as one line', (_, error, type) => {
    const { failure, lines } = mapped(error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type, message: error.message, nonRetryable: true });
    expect((failure as ApplicationFailure).category).toBe(ApplicationFailureCategory.BENIGN);
    expect(lines).toEqual([`Activity failed (expected, not retried): ${type}: ${error.message}`]);
  });

  it('keeps a system fault retryable', () => {
    const { failure } = mapped(new MemoryStoreBusyError('memstore_x', 5));
    expect(failure).toMatchObject({ type: 'MemoryStoreBusy', nonRetryable: false });
    expect(mapped(new SimulatedCrash('after_intent')).failure).toMatchObject({ nonRetryable: false });
  });

  it('carries the cause along, redacted like the message', () => {
    const cause = new MemoryNotFoundError('memory_store', `memstore_${SECRET}`);
    const { failure, lines } = mapped(
      new InvalidSessionInputError(`invalid session input: ${cause.message}`, { cause }),
    );
    expect(failure).toMatchObject({
      type: FailureType.InvalidSessionInput,
      message: expect.stringContaining('[REDACTED]'),
    });
    expect(failure.cause).toBe(cause);
    expect(cause.message).not.toContain(SECRET);
    expect(cause.stack).not.toContain(SECRET);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('maps model API errors as before: 429 retryable with its delay, 400 terminal, both expected', async () => {
    const limited = mapped(await sdkError({ status: 429, retry_after: 3 }));
    expect(limited.failure).toMatchObject({
      type: FailureType.ModelRateLimited,
      nonRetryable: false,
      nextRetryDelay: 3_000,
    });
    expect(limited.lines).toEqual([
      expect.stringMatching(/^Activity failed \(expected, retryable\): ModelRateLimited: /),
    ]);
    await model?.close();
    const rejected = mapped(await sdkError({ status: 400, message: `bad key ${SECRET}` }));
    expect(rejected.failure).toMatchObject({
      type: FailureType.ModelRequestRejected,
      nonRetryable: true,
      message: 'model API answered 400: bad key [REDACTED]',
    });
    expect((rejected.failure as ApplicationFailure).category).toBe(ApplicationFailureCategory.BENIGN);
  });

  it('marks a model failure the activity already typed as expected, keeping its retry policy', () => {
    const typed = ApplicationFailure.create({ type: FailureType.ModelOverloaded, message: 'busy', nonRetryable: true });
    const { failure, lines } = mapped(typed);
    expect(failure).toMatchObject({ type: FailureType.ModelOverloaded, nonRetryable: true, message: 'busy' });
    expect((failure as ApplicationFailure).category).toBe(ApplicationFailureCategory.BENIGN);
    expect(lines).toHaveLength(1);
  });

  it('passes an unexpected error through, redacted, for Temporal to retry and log in full', () => {
    const disk = new Error(`EIO reading /secrets/${SECRET}`);
    const { failure, lines } = mapped(disk);
    expect(failure).toBe(disk);
    expect(disk.message).toBe('EIO reading /secrets/[REDACTED]');
    expect(disk.stack).not.toContain(SECRET);
    expect(lines).toEqual([]);
    expect(mapped('a string').failure).toMatchObject({ message: 'a string' });
  });

  it('makes storage that is away a retryable StorageUnavailable failure, from the store or the filesystem', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const fromStore = asStorageUnavailable(refused, 'postgres://lucid@db/lucid');
    expect(fromStore).toBeInstanceOf(StorageUnavailableError);
    expect(mapped(fromStore).failure).toMatchObject({ type: FailureType.StorageUnavailable, nonRetryable: false });
    const stale = Object.assign(new Error('ESTALE: stale file handle'), { code: 'ESTALE' });
    expect(mapped(stale).failure).toMatchObject({ type: FailureType.StorageUnavailable, nonRetryable: false });
  });

  it('reads network codes as storage unavailable only where the error comes from the database', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:443'), { code: 'ECONNREFUSED' });
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    expect(isStorageUnavailable(refused)).toBe(false);
    expect(isStorageUnavailable(asStorageUnavailable(shutdown, 'the database'))).toBe(true);
    const wrongPassword = Object.assign(new Error('password authentication failed'), { code: '28P01' });
    expect(asStorageUnavailable(wrongPassword, 'the database')).toBe(wrongPassword);
  });

  it('leaves a cancellation as it is', () => {
    const cancelled = new CancelledFailure('CANCELLED');
    expect(mapped(cancelled)).toEqual({ failure: cancelled, lines: [] });
  });
});
