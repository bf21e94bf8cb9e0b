/**
 * Session affinity for the `bash` shell: a session's shell lives on one worker (src/shell/shell-pool.ts), so its
 * calls must reach that worker, or `cd` and `export` would be forgotten between calls whenever several workers poll
 * the task queue. As in Temporal's worker-specific task queue samples, each worker also polls a queue of its own
 * (src/worker.ts). The session's first call runs on the shared queue; its result names the queue of the worker that
 * now holds the shell, and later calls are sent there with a short schedule-to-start timeout.
 *
 * When that worker is gone (the call waits past the timeout, or the worker dies mid-command and its retry waits for
 * it), the call moves to the shared queue, where another worker starts a fresh shell and the result tells the model
 * so (src/shell/bash-call.ts). A command cut off mid-way is still never run twice: the retry on the new worker
 * finds it `started` in the tool journal. While the session has no shell anywhere, one call looks for it at a time
 * and calls made beside it wait, so parallel calls of one turn do not start shells on two workers.
 */
import { type Duration, TimeoutType } from '@temporalio/common';
import { ActivityFailure, TimeoutFailure } from '@temporalio/workflow';
import type { BashOutcome } from '../activities/shell';
import type { ToolOutcome } from '../workspace/tools';

/** Sessions from this patch on send `bash` calls to the worker holding their shell; older ones use the shared queue. */
export const SHELL_AFFINITY_PATCH = 'shell-affinity';

/**
 * How long a call waits for the worker holding the shell to pick it up. A live worker polls its own queue with
 * slots of its own, so it starts a call within milliseconds; past this it is taken for gone.
 */
export const SHELL_WORKER_WAIT: Duration = '5 seconds';

/** Where one attempt of a call goes, and where the workflow expects the session's shell (for the activity). */
export interface ShellRoute {
  /** The worker queue to send the call to, with a schedule-to-start timeout; absent: the shared task queue. */
  pinned?: { taskQueue: string; scheduleToStartTimeout: Duration };
  /** The queue of the worker that held the shell when this call was made; absent: none did. */
  shellQueue?: string;
}

export class ShellAffinity {
  /** The shared-queue call in flight while the session has no shell anywhere; other calls wait for it. */
  private locating: Promise<unknown> | undefined;

  /** `placement` is the session's state: it carries the queue across continue-as-new. */
  constructor(private readonly placement: { shellQueue?: string }) {}

  async call(send: (route: ShellRoute) => Promise<BashOutcome>): Promise<ToolOutcome> {
    let lost: string | undefined;
    for (;;) {
      const pinned = this.placement.shellQueue;
      if (pinned !== undefined && pinned !== lost) {
        try {
          return this.settle(
            await send({
              pinned: { taskQueue: pinned, scheduleToStartTimeout: SHELL_WORKER_WAIT },
              shellQueue: pinned,
            }),
          );
        } catch (error) {
          if (!workerIsGone(error)) throw error;
          lost = pinned;
          if (this.placement.shellQueue === pinned) delete this.placement.shellQueue;
          continue;
        }
      }
      if (this.locating) {
        await this.locating.catch(() => undefined);
        continue;
      }
      const located = send(lost === undefined ? {} : { shellQueue: lost });
      this.locating = located;
      try {
        return this.settle(await located);
      } finally {
        if (this.locating === located) this.locating = undefined;
      }
    }
  }

  /** Remembers where the shell is now (nowhere, when the call left none alive) and hands back the tool outcome. */
  private settle({ shellQueue, ...outcome }: BashOutcome): ToolOutcome {
    if (shellQueue === undefined) delete this.placement.shellQueue;
    else this.placement.shellQueue = shellQueue;
    return outcome;
  }
}

/** The call was never picked up by the worker it was sent to, or that worker stopped heartbeating. */
function workerIsGone(error: unknown): boolean {
  if (!(error instanceof ActivityFailure) || !(error.cause instanceof TimeoutFailure)) return false;
  return error.cause.timeoutType === TimeoutType.SCHEDULE_TO_START || error.cause.timeoutType === TimeoutType.HEARTBEAT;
}
