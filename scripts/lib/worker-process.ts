/**
 * Runs `src/worker.ts` as a real child process (./tsx-process.ts: SIGKILL hits the worker itself), for crash
 * tests and the chaos driver.
 */
import { startTsxProcess, type TsxProcess } from './tsx-process';

export interface WorkerProcessOptions {
  address: string;
  taskQueue: string;
  dataDir: string;
  modelUrl: string;
  /** A prebuilt workflow bundle file (LUCID_WORKFLOW_BUNDLE); without one the worker bundles at start-up. */
  workflowBundle?: string;
  /** More environment for the worker (LUCID_SANDBOX and friends). */
  env?: Record<string, string>;
}

/** The worker process; `ready` resolves once it printed its ready line. */
export type WorkerProcess = TsxProcess<true>;

export function startWorkerProcess(options: WorkerProcessOptions): WorkerProcess {
  return startTsxProcess({
    entry: 'src/worker.ts',
    what: 'worker',
    env: {
      TEMPORAL_ADDRESS: options.address,
      TEMPORAL_NAMESPACE: 'default',
      LUCID_TASK_QUEUE: options.taskQueue,
      LUCID_DATA_DIR: options.dataDir,
      LUCID_WORKFLOW_BUNDLE: options.workflowBundle,
      ANTHROPIC_BASE_URL: options.modelUrl,
      ANTHROPIC_API_KEY: 'test-key',
      ...options.env,
    },
    readyWhen: (output) => (output.includes('Lucid worker on task queue') ? true : null),
  });
}
