/**
 * The Lucid worker: runs session workflows and their activities on the task queue `lucid` (LUCID_TASK_QUEUE).
 * `npm run worker`. Connection settings come from the environment (see src/connection.ts); SIGINT and SIGTERM
 * shut it down gracefully (the SDK finishes in-flight tasks first). How much it runs at once is set in
 * src/worker-settings.ts (LUCID_MAX_CONCURRENT_ACTIVITIES and friends).
 *
 * Each worker also polls a task queue of its own, `<task queue>@<worker id>`, for `bash` alone: a session's shell
 * lives on one worker, and its later calls are sent there (src/workflows/shell-affinity.ts).
 */
import type Anthropic from '@anthropic-ai/sdk';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { type NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { agentsDir, taskQueue } from './config';
import { connectWorker } from './connection';
import { ensureSearchAttributes } from './register-search-attributes';
import { workerLogger } from './worker-log';
import { openStorage, storageConfig, type Storage } from './storage/open-storage';
import { waitForStorage } from './storage/wait-for-storage';
import { workerOptionsOf, workerSettings, type WorkerSettings } from './worker-settings';
import { ShellPool } from './shell/shell-pool';
import { shellSettings } from './shell/shell-settings';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  /** The data directory, when `storage` is not given; by default LUCID_DATA_DIR. */
  dataDir?: string;
  /** Where sessions, memory, dreams and journals are kept; by default `openStorage` on `dataDir`. */
  storage?: Storage;
  agentsDir?: string;
  /**
   * A prebuilt workflow bundle (tests bundle once per run; LUCID_WORKFLOW_BUNDLE names a bundle file for
   * `npm run worker`); by default the worker bundles src/workflows at start-up.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  anthropic?: Anthropic;
  /** Slots, pollers and cache size; by default Lucid's, with the environment's overrides (src/worker-settings.ts). */
  settings?: WorkerSettings;
  /** The sandboxed shells behind `bash`; by default a pool with LUCID_SANDBOX_* settings, stopped when run() ends. */
  shellPool?: ShellPool;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const storage = options.storage ?? openStorage(options.dataDir ? { dataDir: options.dataDir } : storageConfig());
  const settings = options.settings ?? workerSettings();
  await ensureSearchAttributes(options.connection.operatorService, options.namespace);
  const shellPool = options.shellPool ?? (await ShellPool.create(shellSettings()));
  const sharedQueue = options.taskQueue ?? taskQueue();
  // Without a sandbox no shell is ever held here, so nothing would be sent to a queue of its own.
  const shellQueue = shellPool.availability.ok ? workerShellQueue(sharedQueue) : undefined;
  const activities = createActivities({
    storage,
    agentsDir: options.agentsDir ?? agentsDir(),
    anthropic: options.anthropic,
    shellPool,
    shellQueue,
  });
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: sharedQueue,
    ...workerOptionsOf(settings),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('./workflows') }),
    activities,
  });
  if (shellQueue) {
    const shellWorker = await Worker.create({
      connection: options.connection,
      namespace: options.namespace,
      taskQueue: shellQueue,
      maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivityTaskExecutions,
      activities: { runBash: activities.runBash },
    });
    runAlongside(worker, shellWorker);
  }
  if (!options.shellPool) stopShellsWhenDone(worker, shellPool);
  return worker;
}

/**
 * The task queue only this worker polls: unique per process, so a worker that restarts gets a new one and calls
 * still sent to the old one time out (and move) instead of reaching a worker without the shell.
 */
function workerShellQueue(sharedQueue: string): string {
  return `${sharedQueue}@${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Makes `worker.run()` run `shellWorker` too, and shut it down when the worker shuts down (or the other way). */
function runAlongside(worker: Worker, shellWorker: Worker): void {
  const run = worker.run.bind(worker);
  const stop = (other: Worker) => {
    if (other.getState() === 'RUNNING') other.shutdown();
  };
  worker.run = async () => {
    const shells = shellWorker.run().finally(() => stop(worker));
    try {
      await run();
    } finally {
      stop(shellWorker);
      await shells;
    }
  };
}

/**
 * Makes `worker.run()` stop the pool's shells once the worker has shut down. They would die with the process
 * anyway (bubblewrap's --die-with-parent), but a worker shut down inside a longer-lived process must not leave them.
 */
function stopShellsWhenDone(worker: Worker, shellPool: ShellPool): void {
  const run = worker.run.bind(worker);
  worker.run = () => run().finally(() => shellPool.close());
}

async function main(): Promise<void> {
  const settings = workerSettings(); // a bad override stops the worker here, before it connects
  const shellPool = await ShellPool.create(shellSettings());
  // Before anything else touches the SDK: the Runtime, and so its logger, is installed once per process.
  Runtime.install({ logger: workerLogger() });
  const storage = openStorage(storageConfig());
  await waitForStorage(storage, { log: (message) => console.error(`Lucid worker: ${message}`) });
  const { connection, namespace } = await connectWorker();
  try {
    const bundlePath = process.env.LUCID_WORKFLOW_BUNDLE;
    const worker = await createWorker({
      connection,
      namespace,
      storage,
      workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
      settings,
      shellPool,
    });
    console.log(`Lucid worker on task queue "${taskQueue()}" (namespace ${namespace}, data ${storage.location})`);
    const sandbox = shellPool.availability;
    const limits = shellPool.limitScope === 'sandbox' ? 'memory and processes per sandbox' : 'limits per process';
    console.log(
      sandbox.ok ? `bash: sandboxed shells (bubblewrap; ${limits})` : `bash is not offered: ${sandbox.reason}`,
    );
    await worker.run().finally(() => shellPool.close());
  } finally {
    await connection.close();
    await storage.close();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
