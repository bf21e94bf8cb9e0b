/**
 * The worker a benchmark runs as a child process (bench/lib/worker-process.ts): `src/worker.ts`'s createWorker
 * with its settings from the environment, exactly as `npm run worker` builds it, plus one line on stdout that
 * reports the settings in effect after the SDK filled in its defaults, which only the Worker object knows.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectWorker } from '../../src/connection';
import { createWorker } from '../../src/worker';
import { workerSettings } from '../../src/worker-settings';
import { describeWorkerConcurrency } from './worker-concurrency';
import { READY_PREFIX } from './worker-process';

async function main(): Promise<void> {
  // Info-level worker logs would fill the pipe the benchmark reads only on failure.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const settings = workerSettings();
  const { connection, namespace } = await connectWorker();
  try {
    const bundlePath = process.env.LUCID_WORKFLOW_BUNDLE;
    const worker = await createWorker({
      connection,
      namespace,
      workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
      settings,
    });
    console.log(`${READY_PREFIX}${JSON.stringify(describeWorkerConcurrency(worker))}`);
    await worker.run(); // SIGTERM shuts it down (the SDK's default shutdown signals)
  } finally {
    await connection.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
