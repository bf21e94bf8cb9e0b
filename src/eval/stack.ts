/**
 * What an eval runs on, started in this process as the demo does: a Temporal dev server (in memory), a Lucid
 * worker on a fresh data directory, and the model: Claude with ANTHROPIC_API_KEY, or the scripted model playing a
 * validation model for the suite.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { startDevServer } from '../../scripts/lib/dev-server';
import { createAnthropicClient } from '../activities/model';
import { LucidClient } from '../client';
import { validationPlayer, type ValidationModel } from '../scripted-model/eval-players';
import { startScriptedModel } from '../scripted-model/server';
import { createWorker } from '../worker';
import type { Suite } from './suite';

export interface EvalStack {
  lucid: LucidClient;
  close(): Promise<void>;
}

export async function startEvalStack(suite: Suite, kind: ValidationModel | null, dataDir: string): Promise<EvalStack> {
  const stops: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    const server = await startDevServer();
    stops.push(() => server.stop());
    const anthropic = await chooseModel(suite, kind, stops);
    const workerConnection = await NativeConnection.connect({ address: server.address });
    stops.push(() => workerConnection.close());
    const taskQueue = `lucid-eval-${process.pid}`;
    const worker = await createWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue,
      dataDir,
      agentsDir: path.resolve(__dirname, '../../agents'),
      anthropic,
    });
    const running = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    const connection = await Connection.connect({ address: server.address });
    stops.push(() => connection.close());
    const lucid = new LucidClient({ client: new Client({ connection, namespace: 'default' }), taskQueue, dataDir });
    return { lucid, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function chooseModel(
  suite: Suite,
  kind: ValidationModel | null,
  stops: Array<() => Promise<unknown>>,
): Promise<Anthropic> {
  if (!kind) return createAnthropicClient();
  const model = await startScriptedModel({ scenario: { rules: [] }, player: validationPlayer(kind, suite.tasks) });
  stops.push(() => model.close());
  // The SDK insists on a key; this placeholder only ever goes to the local scripted model.
  return createAnthropicClient({ ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'scripted' });
}
