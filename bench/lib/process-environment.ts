/**
 * A benchmark environment whose worker runs in a child process (bench/lib/worker-process.ts), so the worker's
 * memory and CPU can be measured apart from the rest: the Temporal dev server (in memory, its own process), the
 * scripted model and the Lucid client (both in this process). Workers are started and stopped by the benchmark,
 * one at a time, each with its own settings; nothing is shared with a developer's server or `.lucid` folder.
 */
import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWorkflowBundle } from '../../scripts/bundle-workflows';
import { startDevServer } from '../../scripts/lib/dev-server';
import { LucidClient } from '../../src/client';
import type { Scenario } from '../../src/scripted-model/scenario';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';
import { openStorage } from '../../src/storage/open-storage';
import type { SessionStore } from '../../src/storage/session-store';
import { startWorkerProcess, type WorkerProcess } from './worker-process';

export interface ProcessEnvironment {
  /** The dev server's address, for another process of the benchmark to join (TEMPORAL_ADDRESS). */
  address: string;
  /** The workers' task queue (LUCID_TASK_QUEUE). */
  taskQueue: string;
  lucid: LucidClient;
  model: ScriptedModel;
  store: SessionStore;
  dataDir: string;
  /** The dev server's process, to read its CPU time. */
  serverPid: number;
  /** Starts a worker on the environment's task queue with these environment overrides; stop it before the next. */
  startWorker(overrides?: Record<string, string>): Promise<WorkerProcess>;
  /** Stops the dev server and the scripted model (the benchmark stops its workers). */
  close(): Promise<void>;
}

const TASK_QUEUE = 'lucid-bench';
const NAMESPACE = 'default';

export async function startProcessEnvironment(
  scenario: Scenario,
  log: (line: string) => void,
): Promise<ProcessEnvironment> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-bench-'));
  log('starting the Temporal dev server and bundling the workflows');
  // Bundled once: a worker that bundled at start-up would spend seconds of CPU in every measured run.
  const [server, bundle] = await Promise.all([
    startDevServer(),
    writeWorkflowBundle(path.join(dataDir, 'workflow-bundle.js')),
  ]);
  const bundlePath = bundle.path;
  const model = await startScriptedModel({ scenario }).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  const connection = await Connection.connect({ address: server.address });
  const storage = openStorage({ dataDir });
  const store = storage.sessions;
  const lucid = new LucidClient({
    client: new Client({ connection, namespace: NAMESPACE }),
    taskQueue: TASK_QUEUE,
    storage,
  });
  log(`ready: dev server ${server.address}, scripted model ${model.url}, data ${dataDir}`);
  return {
    address: server.address,
    taskQueue: TASK_QUEUE,
    lucid,
    model,
    store,
    dataDir,
    serverPid: server.process.pid!,
    startWorker: (overrides = {}) =>
      startWorkerProcess({
        address: server.address,
        taskQueue: TASK_QUEUE,
        dataDir,
        modelUrl: model.url,
        bundlePath,
        overrides,
      }),
    async close() {
      await connection.close().catch(() => {});
      await model.close().catch(() => {});
      await server.stop().catch(() => {});
    },
  };
}
