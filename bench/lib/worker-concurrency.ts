/**
 * The concurrency settings a worker actually runs with, after the SDK filled in its defaults. A benchmark of
 * parallel work must say them: slots and pollers bound how much of it the worker can take on at once.
 */
import type { Worker } from '@temporalio/worker';

/** The settings that bound parallelism in one worker. */
export interface WorkerConcurrency {
  /** Workflow tasks (activations) processed at once (`maxConcurrentWorkflowTaskExecutions`). */
  workflowTaskSlots: number | string;
  /** Activities run at once (`maxConcurrentActivityTaskExecutions`). */
  activityTaskSlots: number | string;
  /** Long polls for workflow tasks kept open at once. */
  workflowTaskPollers: number | string;
  /** Long polls for activity tasks kept open at once. */
  activityTaskPollers: number | string;
  /** Workflow runs kept in memory between tasks (sticky cache). */
  maxCachedWorkflows: number;
  /** Threads running workflow code; with a reused V8 context every activation runs on this one thread. */
  workflowThreadPoolSize: number;
  reuseV8Context: boolean;
}

type SlotSupplier = { type: string; numSlots?: number };
type PollerBehavior = { type: string; maximum?: number };

/** Reads the compiled options of a created worker. */
export function describeWorkerConcurrency(worker: Worker): WorkerConcurrency {
  const { options } = worker;
  const tuner = options.tuner as unknown as {
    workflowTaskSlotSupplier: SlotSupplier;
    activityTaskSlotSupplier: SlotSupplier;
  };
  return {
    workflowTaskSlots: describeSlots(tuner.workflowTaskSlotSupplier),
    activityTaskSlots: describeSlots(tuner.activityTaskSlotSupplier),
    workflowTaskPollers: describePollers(options.workflowTaskPollerBehavior as PollerBehavior),
    activityTaskPollers: describePollers(options.activityTaskPollerBehavior as PollerBehavior),
    maxCachedWorkflows: options.maxCachedWorkflows,
    workflowThreadPoolSize: options.workflowThreadPoolSize,
    reuseV8Context: options.reuseV8Context ?? true,
  };
}

function describeSlots(supplier: SlotSupplier): number | string {
  return supplier.type === 'fixed-size' && supplier.numSlots !== undefined ? supplier.numSlots : supplier.type;
}

function describePollers(behavior: PollerBehavior): number | string {
  return behavior.type === 'simple-maximum' && behavior.maximum !== undefined ? behavior.maximum : behavior.type;
}

/** `40 workflow-task slots, 100 activity slots, pollers 10 + 10, …` for a log line. */
export function formatWorkerConcurrency(settings: WorkerConcurrency): string {
  return (
    `${settings.workflowTaskSlots} workflow-task slots, ${settings.activityTaskSlots} activity slots, ` +
    `${settings.workflowTaskPollers} workflow-task and ${settings.activityTaskPollers} activity pollers, ` +
    `${settings.maxCachedWorkflows} cached workflows, ${settings.workflowThreadPoolSize} workflow thread` +
    `${settings.workflowThreadPoolSize === 1 ? '' : 's'}${settings.reuseV8Context ? ' (reused V8 context)' : ''}`
  );
}
