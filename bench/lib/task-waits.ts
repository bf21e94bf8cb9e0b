/**
 * How long a workflow's tasks waited in the task queue before a worker picked them up (schedule-to-start), read
 * from its history. Waiting activity tasks mean the worker had no free activity slot or poller; waiting workflow
 * tasks mean no free workflow-task slot, or a workflow thread too busy to take them.
 */
import { tsToMs } from '@temporalio/common/lib/time';
import { type temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface TaskWaits {
  /** Milliseconds from ActivityTaskScheduled to ActivityTaskStarted, one per activity. */
  activityMs: number[];
  /** Milliseconds from WorkflowTaskScheduled to WorkflowTaskStarted, one per workflow task. */
  workflowTaskMs: number[];
}

export function taskWaits(events: readonly HistoryEvent[]): TaskWaits {
  const scheduledAt = new Map<string, number>();
  const waits: TaskWaits = { activityMs: [], workflowTaskMs: [] };
  for (const event of events) {
    const id = String(event.eventId);
    const at = tsToMs(event.eventTime);
    if (event.activityTaskScheduledEventAttributes || event.workflowTaskScheduledEventAttributes)
      scheduledAt.set(id, at);
    const activity = event.activityTaskStartedEventAttributes;
    if (activity) waits.activityMs.push(at - scheduledAt.get(String(activity.scheduledEventId))!);
    const task = event.workflowTaskStartedEventAttributes;
    if (task) waits.workflowTaskMs.push(at - scheduledAt.get(String(task.scheduledEventId))!);
  }
  return waits;
}
