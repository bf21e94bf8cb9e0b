/**
 * How much work one worker takes on at once. Lucid's defaults suit its workload (see DEFAULT_WORKER_SETTINGS);
 * each can be overridden from the environment, read and checked once at start-up so that a typo stops the worker
 * with a clear message:
 *
 *   LUCID_MAX_CONCURRENT_ACTIVITIES       activities run at once (model calls and tool calls)
 *   LUCID_MAX_CONCURRENT_WORKFLOW_TASKS   workflow tasks processed at once
 *   LUCID_MAX_CACHED_WORKFLOWS            sessions kept in memory between tasks (the sticky cache); the SDK
 *                                         sizes it from the heap when unset
 *   LUCID_ACTIVITY_POLLERS                long polls for activity tasks kept open at once
 *   LUCID_WORKFLOW_TASK_POLLERS           long polls for workflow tasks kept open at once
 */
import type { WorkerOptions } from '@temporalio/worker';
import { LucidError } from './errors';
import { readWholeNumberVariables, type WholeNumberVariable } from './whole-number-variables';

/** The worker options Lucid sets; anything undefined is left to the SDK. */
export interface WorkerSettings {
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxCachedWorkflows: number | undefined;
  activityTaskPollers: number;
  workflowTaskPollers: number;
}

/**
 * Lucid's defaults (measured with `npm run bench:concurrency`). Almost every activity is a model call that waits
 * on the network for seconds while using next to no CPU, so the SDK's 100 activity slots, not the CPU, would cap
 * a worker at 100 sessions making progress at once: with a 5 s model, 500 sessions ran 18 turns/s on 100 slots
 * (tasks waited 8.5 s for a slot) against 29-37 on 500. More than 500 is left to more workers: each call holds its
 * transcript in memory. Workflow tasks are CPU work on one thread; more than the SDK's 40 slots added no throughput, only
 * memory and turn latency (they admit more sessions to share the same CPU), so that and the rest stay the SDK's.
 */
export const DEFAULT_WORKER_SETTINGS: WorkerSettings = {
  maxConcurrentActivityTaskExecutions: 500,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxCachedWorkflows: undefined,
  activityTaskPollers: 10,
  workflowTaskPollers: 10,
};

const VARIABLES: ReadonlyArray<WholeNumberVariable<keyof WorkerSettings>> = [
  { name: 'LUCID_MAX_CONCURRENT_ACTIVITIES', setting: 'maxConcurrentActivityTaskExecutions', min: 1, max: 100_000 },
  { name: 'LUCID_MAX_CONCURRENT_WORKFLOW_TASKS', setting: 'maxConcurrentWorkflowTaskExecutions', min: 2, max: 10_000 },
  // 0 would turn the cache off: every workflow task would replay the whole history, which no session should pay.
  { name: 'LUCID_MAX_CACHED_WORKFLOWS', setting: 'maxCachedWorkflows', min: 2, max: 1_000_000 },
  { name: 'LUCID_ACTIVITY_POLLERS', setting: 'activityTaskPollers', min: 1, max: 1_000 },
  { name: 'LUCID_WORKFLOW_TASK_POLLERS', setting: 'workflowTaskPollers', min: 2, max: 1_000 },
];

/** A bad override; the message names the variable, the value and what would be accepted. */
export class WorkerSettingsError extends LucidError {
  readonly code = 'invalid_worker_setting';
  readonly fault = 'user_input';
}

/** The defaults with the environment's overrides applied; throws a {@link WorkerSettingsError} on a bad value. */
export function workerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const overrides = readWholeNumberVariables(env, VARIABLES, (message) => new WorkerSettingsError(message));
  const settings: WorkerSettings = { ...DEFAULT_WORKER_SETTINGS, ...overrides };
  checkConsistent(settings, env);
  return settings;
}

/** The SDK would quietly lower the workflow-task slots to the cache size; say so instead. */
function checkConsistent(settings: WorkerSettings, env: NodeJS.ProcessEnv): void {
  const cached = settings.maxCachedWorkflows;
  if (cached !== undefined && cached < settings.maxConcurrentWorkflowTaskExecutions) {
    throw new WorkerSettingsError(
      `LUCID_MAX_CACHED_WORKFLOWS (${cached}) must be at least the workflow-task slots ` +
        `(${settings.maxConcurrentWorkflowTaskExecutions}${env.LUCID_MAX_CONCURRENT_WORKFLOW_TASKS ? ', LUCID_MAX_CONCURRENT_WORKFLOW_TASKS' : ''})`,
    );
  }
}

/** The settings as `Worker.create` options. */
export function workerOptionsOf(settings: WorkerSettings): Partial<WorkerOptions> {
  return {
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivityTaskExecutions,
    maxConcurrentWorkflowTaskExecutions: settings.maxConcurrentWorkflowTaskExecutions,
    ...(settings.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: settings.maxCachedWorkflows }),
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: settings.activityTaskPollers },
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: settings.workflowTaskPollers },
  };
}
