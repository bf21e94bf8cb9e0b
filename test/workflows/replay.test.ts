/**
 * Determinism guard: recorded histories of the session workflow must replay against today's workflow code.
 * The checked-in histories (npm run record-histories) catch changes that would break sessions already running;
 * the freshly recorded one catches non-determinism in new code paths.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { HISTORY_SCENARIOS } from '../fixtures/history-scenarios';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { workflowBundle } from '../helpers/temporal';

const historiesDir = path.join(__dirname, '..', 'fixtures', 'histories');

describe('replaying agentSession histories', () => {
  it('replays every checked-in history without a determinism error', async () => {
    const files = fs.readdirSync(historiesDir).filter((name) => name.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(HISTORY_SCENARIOS.length);
    // The recording script names each session `replay-<scenario>`; replay needs the same id (child ids derive from it).
    const histories = files.map((name) => ({
      workflowId: `replay-${name.replace(/\.json$/, '')}`,
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(historiesDir, name), 'utf8'))),
    }));
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle() }, histories)) {
      results.push({ workflowId: result.workflowId, error: result.error?.message });
    }
    expect(results).toEqual(histories.map(({ workflowId }) => ({ workflowId, error: undefined })));
  });

  describe('a freshly recorded session', () => {
    let harness: SessionHarness;
    beforeAll(async () => {
      harness = await startSessionHarness(HISTORY_SCENARIOS[0].scenario);
    });
    afterAll(async () => harness?.close());

    it('replays its own history', async () => {
      const sessionId = await harness.lucid.startSession(HISTORY_SCENARIOS[0].input);
      await harness.lucid.result(sessionId);
      const history = await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory();
      await expect(
        Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, sessionId),
      ).resolves.toBeUndefined();
    });
  });
});
