/**
 * Records the histories replayed by test/workflows/replay.test.ts: runs each scenario of
 * test/fixtures/history-scenarios.ts on a fresh dev server with a real worker and the scripted model, and
 * writes test/fixtures/histories/<name>.json for those not recorded yet. `npm run record-histories`.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HISTORY_SCENARIOS } from '../test/fixtures/history-scenarios';
import { LucidClient } from '../src/client';
import { createAnthropicClient } from '../src/activities/model';
import { startScriptedModel } from '../src/scripted-model/server';
import { createWorker } from '../src/worker';
import { startDevServer } from './lib/dev-server';
import { ensureTemporalCli } from './lib/temporal-cli';
import { interruptSignal, userMessageSignal } from '../src/workflows/api/session-api';

const outputDir = path.resolve(__dirname, '..', 'test', 'fixtures', 'histories');

async function main(): Promise<void> {
  const server = await startDevServer();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-record-'));
  const model = await startScriptedModel({ scenario: { rules: [] } });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const taskQueue = 'lucid-record';
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    dataDir,
    anthropic: createAnthropicClient({ ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'scripted' }),
  });
  const lucid = new LucidClient({ client: new Client({ connection }), taskQueue, dataDir });
  try {
    await worker.runUntil(async () => {
      for (const scenario of HISTORY_SCENARIOS) {
        const file = path.join(outputDir, `${scenario.name}.json`);
        // Recorded histories are frozen: they prove today's code replays sessions started by older code.
        if (fs.existsSync(file) && !process.argv.includes('--overwrite')) {
          console.log(`kept ${scenario.name} (already recorded; --overwrite replaces it)`);
          continue;
        }
        model.setScenario(scenario.scenario);
        const sessionId = await lucid.startSession({ ...scenario.input, sessionId: `replay-${scenario.name}` });
        for (const text of scenario.followUps ?? []) {
          await waitUntilIdle(lucid, sessionId);
          await sendFollowUp(lucid, sessionId, text, scenario.requests ?? 'signals');
        }
        if (scenario.input.keep_alive_seconds) {
          await waitUntilIdle(lucid, sessionId);
          await lucid.temporal.workflow.getHandle(sessionId).terminate('recording done');
        } else {
          await lucid.result(sessionId);
        }
        // The CLI's JSON is the documented interchange format (historyFromJSON reads it back).
        const json = execFileSync(ensureTemporalCli(), [
          'workflow',
          'show',
          '--address',
          server.address,
          '--workflow-id',
          sessionId,
          '--output',
          'json',
        ]);
        fs.writeFileSync(file, json);
        console.log(`recorded ${scenario.name}: ${JSON.parse(json.toString()).events.length} events`);
      }
    });
  } finally {
    await model.close();
    await connection.close();
    await nativeConnection.close();
    await server.stop();
  }
}

/** A message, then an interrupt: harmless when idle, and recorded all the same (a refused update is not). */
async function sendFollowUp(lucid: LucidClient, sessionId: string, text: string, by: 'signals' | 'updates') {
  const handle = lucid.temporal.workflow.getHandle(sessionId);
  if (by === 'updates') await lucid.sendMessage(sessionId, text);
  else await handle.signal(userMessageSignal, { text });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  if (by === 'updates') await lucid.interrupt(sessionId).catch(() => undefined);
  else await handle.signal(interruptSignal);
}

async function waitUntilIdle(lucid: LucidClient, sessionId: string): Promise<void> {
  for (;;) {
    const snapshot = await lucid.snapshot(sessionId);
    if (snapshot?.status === 'idle') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
