/** The worker as a real child process (scripts/lib/worker-process.ts), on the test run's workflow bundle. */
import {
  startWorkerProcess as startWorker,
  type WorkerProcess,
  type WorkerProcessOptions,
} from '../../scripts/lib/worker-process';

export type { WorkerProcess };

export function startWorkerProcess(options: Omit<WorkerProcessOptions, 'workflowBundle'>): WorkerProcess {
  return startWorker({ ...options, workflowBundle: process.env.LUCID_TEST_WORKFLOW_BUNDLE });
}
