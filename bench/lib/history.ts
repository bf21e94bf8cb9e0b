/** What a workflow run's history holds: how many tasks and activities it took, and how many payload bytes. */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

export interface HistorySummary {
  events: number;
  workflowTasks: number;
  /** Activities scheduled through the server, by activity type. */
  activities: Record<string, number>;
  /** Local activities (recorded as markers, run inside a workflow task). */
  localActivities: number;
  payloadBytes: number;
  largestPayloadBytes: number;
}

/** Summarizes every run of a workflow id (continue-as-new makes several), newest first as the server lists them. */
export async function summarizeRuns(client: Client, workflowId: string): Promise<HistorySummary[]> {
  const runs: HistorySummary[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    runs.push(summarizeHistory(history.events ?? []));
  }
  return runs;
}

export function summarizeHistory(events: HistoryEvent[]): HistorySummary {
  const activities: Record<string, number> = {};
  let workflowTasks = 0;
  let localActivities = 0;
  for (const event of events) {
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) workflowTasks++;
    if (
      event.eventType === EventType.EVENT_TYPE_MARKER_RECORDED &&
      event.markerRecordedEventAttributes?.markerName === 'core_local_activity'
    ) {
      localActivities++;
    }
    const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (type) activities[type] = (activities[type] ?? 0) + 1;
  }
  const sizes = events.map(payloadBytes);
  return {
    events: events.length,
    workflowTasks,
    activities,
    localActivities,
    payloadBytes: sizes.reduce((sum, size) => sum + size, 0),
    largestPayloadBytes: Math.max(0, ...sizes),
  };
}

/** The bytes of every binary field of an event: its payloads' data and metadata. */
export function payloadBytes(event: HistoryEvent): number {
  let total = 0;
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (value instanceof Uint8Array) {
      total += value.byteLength;
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(event);
  return total;
}

export function countActivities(summary: HistorySummary): number {
  return Object.values(summary.activities).reduce((sum, count) => sum + count, 0);
}
