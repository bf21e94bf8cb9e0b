/**
 * The Lucid worker: runs session workflows and their activities on the task queue `lucid` (LUCID_TASK_QUEUE).
 * `npm run worker`. Connection settings come from the environment (see src/connection.ts); SIGINT and SIGTERM
 * shut it down gracefully (the SDK finishes in-flight tasks first).
 */
import type Anthropic from '@anthropic-ai/sdk';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { agentsDir, dataDir, taskQueue } from './config';
import { connectWorker } from './connection';
import { ensureSearchAttributes } from './register-search-attributes';
import { FsSessionStore } from './storage/fs-session-store';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  dataDir?: string;
  agentsDir?: string;
  /**
   * A prebuilt workflow bundle (tests bundle once per run; LUCID_WORKFLOW_BUNDLE names a bundle file for
   * `npm run worker`); by default the worker bundles src/workflows at start-up.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  anthropic?: Anthropic;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const root = options.dataDir ?? dataDir();
  await ensureSearchAttributes(options.connection.operatorService, options.namespace);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? taskQueue(),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({
      store: new FsSessionStore(root),
      dataDir: root,
      agentsDir: options.agentsDir ?? agentsDir(),
      anthropic: options.anthropic,
    }),
  });
}

async function main(): Promise<void> {
  const { connection, namespace } = await connectWorker();
  try {
    const bundlePath = process.env.LUCID_WORKFLOW_BUNDLE;
    const worker = await createWorker({
      connection,
      namespace,
      workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
    });
    console.log(`Lucid worker on task queue "${taskQueue()}" (namespace ${namespace}, data ${dataDir()})`);
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
