/** Reading what a workflow run's history holds, payload by payload. */
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** How often `text` occurs in the payloads (inputs, results, markers) of a run's history events. */
export function occurrencesInHistory(events: HistoryEvent[], text: string): number {
  let count = 0;
  const visit = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    if (value instanceof Uint8Array) {
      count += Buffer.from(value).toString('utf8').split(text).length - 1;
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  events.forEach(visit);
  return count;
}

/** The attempt each run of an activity type started with, in history order. */
export function activityAttempts(events: HistoryEvent[], activityType: string): number[] {
  const scheduled = new Set(
    events
      .filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType)
      .map((event) => String(event.eventId)),
  );
  return events
    .filter((event) => scheduled.has(String(event.activityTaskStartedEventAttributes?.scheduledEventId)))
    .map((event) => event.activityTaskStartedEventAttributes?.attempt ?? 0);
}
