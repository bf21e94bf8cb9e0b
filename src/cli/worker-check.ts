/**
 * A session only moves when a worker polls its task queue. Starting one with no worker in sight is the most
 * common first-run mistake, and it looks like a hang, so `lucid run` says so up front.
 */
import { temporal } from '@temporalio/proto';
import { taskQueue } from '../config';
import type { Connected } from './connect';
import type { PrinterStream } from './event-printer';

/** Prints a warning on `stderr` when no worker has polled the session task queue lately; never throws. */
export async function warnIfNoWorker(
  connected: Connected,
  stderr: PrinterStream,
  queue: string = taskQueue(),
): Promise<void> {
  try {
    const response = await connected.temporal.workflowService.describeTaskQueue({
      namespace: connected.namespace,
      taskQueue: { name: queue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    if ((response.pollers ?? []).length > 0) return;
    stderr.write(
      `warning: no worker is polling task queue "${queue}"; the session starts once one does (npm run worker)\n`,
    );
  } catch {
    // Only a hint: a server that refuses the call (permissions on a shared cluster) must not stop the run.
  }
}
