/**
 * Every activity parses its input before it runs: the real activities, built as the worker builds them, refuse a
 * malformed input at once with a non-retryable failure naming the activity and the field, and run a good one.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import fs from 'node:fs';
import path from 'node:path';
import { createActivities } from '../../src/activities';
import { createAnthropicClient } from '../../src/activities/model';
import { ShellPool } from '../../src/shell/shell-pool';
import { DEFAULT_SHELL_SETTINGS } from '../../src/shell/shell-settings';
import { openStorage } from '../../src/storage/open-storage';
import { tempDir } from '../helpers/temporal';

describe('activity inputs', () => {
  const dataDir = tempDir('lucid-inputs-');
  let shellPool: ShellPool;
  let activities: ReturnType<typeof createActivities>;
  beforeAll(async () => {
    shellPool = await ShellPool.create(DEFAULT_SHELL_SETTINGS);
    activities = createActivities({
      storage: openStorage({ dataDir }),
      agentsDir: path.join(dataDir, 'agents'),
      // Never called: every input below is refused before a model request, or needs none.
      anthropic: createAnthropicClient({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', ANTHROPIC_API_KEY: 'unused' }),
      shellPool,
    });
  });
  afterAll(() => shellPool.close());

  async function refusal(run: () => Promise<unknown>): Promise<ApplicationFailure> {
    const error = await run().then(
      () => new Error('expected the input to be refused'),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ApplicationFailure);
    return error as ApplicationFailure;
  }

  it.each([
    [
      'persistEvents',
      () => activities.persistEvents({ sessionId: 's', events: [{ seq: 0 }] } as never),
      'invalid persistEvents input: events.0.id: Invalid input: expected string, received undefined; events.0.seq',
    ],
    [
      'callModel',
      () => activities.callModel({ sessionId: 's', model: '', system: '', tools: [], max_tokens: 1, throughSeq: 1 }),
      'invalid callModel input: model: Too small',
    ],
    [
      'callModel with a prompt reference that is not a hash',
      () =>
        activities.callModel({
          sessionId: 's',
          model: 'm',
          system_sha256: '../prompt',
          tools: [],
          max_tokens: 1,
          throughSeq: 1,
        }),
      'invalid callModel input: system_sha256: a sha-256 hash in lowercase hex',
    ],
    [
      'runTool',
      () => activities.runTool({ sessionId: 's', workspace: '', toolUseId: 't', name: 'read_file', input: {} }),
      'invalid runTool input: workspace: Too small',
    ],
    [
      'applyDreamChange',
      () =>
        activities.applyDreamChange({ memory_store_id: 'm', dream_id: 'd', change: { id: 'c', op: 'rm' } } as never),
      'invalid applyDreamChange input: change.op: Invalid option',
    ],
  ])('%s refuses a malformed input, non-retryable', async (_name, run, reason) => {
    const failure = await refusal(run);
    expect(failure.type).toBe('InvalidActivityInput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(reason);
  });

  it('runs an activity whose input is good', async () => {
    // The activity runs inside the SDK's activity context, as on a worker, since the failure boundary reads it.
    const environment = new MockActivityEnvironment();
    const workspace: string = await environment.run(activities.prepareWorkspace, { sessionId: 'sesn_inputs' });
    expect(fs.statSync(workspace).isDirectory()).toBe(true);
  });

  it('stores a system prompt redacted, under the hash model calls then carry', async () => {
    const environment = new MockActivityEnvironment();
    const sha256: string = await environment.run(activities.storeSystemPrompt, {
      text: 'Deploy with sk-ant-abcdefghijklmnopqrstuvwx.',
    });
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await openStorage({ dataDir }).prompts.get(sha256)).toBe('Deploy with [REDACTED].');
  });
});
