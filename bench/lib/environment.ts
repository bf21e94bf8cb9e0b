/**
 * Everything a benchmark session needs, in this one process: its own Temporal dev server (in memory), a worker
 * on its own task queue and data folder, the scripted model standing in for Claude, and a Lucid client.
 * Nothing is shared with a developer's running server or `.lucid` folder, so a benchmark never disturbs one.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer } from '../../scripts/lib/dev-server';
import { createAnthropicClient } from '../../src/activities/model';
import { LucidClient } from '../../src/client';
import type { Scenario } from '../../src/scripted-model/scenario';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';
import { openStorage, type Storage } from '../../src/storage/open-storage';
import type { SessionStore } from '../../src/storage/session-store';
import { createWorker } from '../../src/worker';
import { describeWorkerConcurrency, type WorkerConcurrency } from './worker-concurrency';

/** A running benchmark environment; `close()` stops everything it started, in reverse order. */
export interface BenchEnvironment {
  /** The dev server's address, e.g. to point the `lucid` CLI at it (TEMPORAL_ADDRESS). */
  address: string;
  /** The worker's task queue (LUCID_TASK_QUEUE for the CLI). */
  taskQueue: string;
  lucid: LucidClient;
  /** For benchmarks that run a worker of their own next to Lucid's, on the same server. */
  nativeConnection: NativeConnection;
  model: ScriptedModel;
  store: SessionStore;
  dataDir: string;
  /** The worker's effective concurrency settings: src/worker.ts's, i.e. the SDK defaults unless it sets them. */
  workerConcurrency: WorkerConcurrency;
  /** Starts a second Lucid worker and client, alike but on their own task queue, with this storage. */
  startLucidOn(storage: Storage, taskQueue: string): Promise<LucidClient>;
  close(): Promise<void>;
}

const TASK_QUEUE = 'lucid-bench';
const NAMESPACE = 'default';

/** Starts the dev server, bundles the workflows once, and starts the scripted model and a worker. */
export async function startBenchEnvironment(
  scenario: Scenario,
  log: (line: string) => void,
): Promise<BenchEnvironment> {
  // Worker logs at info level would interleave with the benchmark's own output.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-bench-'));
  log('starting the Temporal dev server and bundling the workflows');
  const [server, bundle] = await Promise.all([startDevServer(), bundleWorkflows()]);
  const stops: Array<() => Promise<void>> = [() => server.stop()];
  try {
    const model = await startScriptedModel({ scenario });
    stops.unshift(() => model.close());
    const connection = await Connection.connect({ address: server.address });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    stops.unshift(
      () => connection.close(),
      () => nativeConnection.close(),
    );
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: NAMESPACE,
      taskQueue: TASK_QUEUE,
      dataDir,
      workflowBundle: { code: bundle },
      anthropic: createAnthropicClient({ ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'scripted' }),
    });
    stops.unshift(await runUntilClosed(worker));
    const storage = openStorage({ dataDir });
    const store = storage.sessions;
    const lucid = new LucidClient({
      client: new Client({ connection, namespace: NAMESPACE }),
      taskQueue: TASK_QUEUE,
      storage,
    });
    log(`ready: dev server ${server.address}, scripted model ${model.url}, data ${dataDir}`);
    const workerConcurrency = describeWorkerConcurrency(worker);
    const startLucidOn = async (other: Storage, taskQueue: string) => {
      const otherWorker = await createWorker({
        connection: nativeConnection,
        namespace: NAMESPACE,
        taskQueue,
        storage: other,
        workflowBundle: { code: bundle },
        anthropic: createAnthropicClient({ ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'scripted' }),
      });
      stops.unshift(await runUntilClosed(otherWorker));
      return new LucidClient({ client: new Client({ connection, namespace: NAMESPACE }), taskQueue, storage: other });
    };
    return {
      address: server.address,
      taskQueue: TASK_QUEUE,
      lucid,
      nativeConnection,
      model,
      store,
      dataDir,
      workerConcurrency,
      startLucidOn,
      close: () => stopAll(stops),
    };
  } catch (error) {
    await stopAll(stops);
    throw error;
  }
}

/** Bundled once, as the tests do: bundling at worker start-up would take seconds of the run. */
async function bundleWorkflows(): Promise<string> {
  const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: quiet as never,
  });
  return code;
}

/** Starts the worker polling; the returned function shuts it down and waits until it has stopped. */
async function runUntilClosed(worker: Worker): Promise<() => Promise<void>> {
  const running = worker.run();
  return async () => {
    worker.shutdown();
    await running;
  };
}

async function stopAll(stops: Array<() => Promise<void>>): Promise<void> {
  for (const stop of stops) await stop().catch(() => {});
}
