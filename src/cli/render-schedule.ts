/**
 * When a schedule runs, as short text for `lucid dreams schedule list`. Temporal turns cron expressions into
 * calendar specs when a schedule is created, so a calendar is written back in cron's five fields; intervals read
 * `every 6h`. Pure.
 */
import {
  DAYS_OF_WEEK,
  MONTHS,
  type CalendarSpecDescription,
  type Range,
  type ScheduleSpecDescription,
} from '@temporalio/client';

/** `0 3 * * *`, `every 6h`, several joined with `; `, or `-` for none. */
export function describeScheduleSpec(spec: ScheduleSpecDescription | undefined): string {
  if (!spec) return '-';
  const parts = [
    ...(spec.calendars ?? []).map(describeCalendar),
    ...(spec.intervals ?? []).map((interval) => `every ${formatDuration(interval.every)}`),
  ];
  return parts.length > 0 ? parts.join('; ') : '-';
}

/** A calendar spec in cron's order: minute, hour, day of month, month, day of week. */
export function describeCalendar(calendar: CalendarSpecDescription): string {
  return [
    describeField(calendar.minute, 0, 59),
    describeField(calendar.hour, 0, 23),
    describeField(calendar.dayOfMonth, 1, 31),
    describeField(
      calendar.month.map((range) => numbered(range, (month) => MONTHS.indexOf(month) + 1)),
      1,
      12,
    ),
    describeField(
      calendar.dayOfWeek.map((range) => numbered(range, (day) => DAYS_OF_WEEK.indexOf(day))),
      0,
      6,
    ),
  ].join(' ');
}

/** `*` for every value, `*\/5` for every fifth, else the ranges as `1-5`, `3` or `0-30/10`, comma-separated. */
function describeField(ranges: readonly Range<number>[], min: number, max: number): string {
  if (ranges.length === 1 && ranges[0].start === min && ranges[0].end === max) {
    return ranges[0].step > 1 ? `*/${ranges[0].step}` : '*';
  }
  return ranges
    .map(
      ({ start, end, step }) =>
        `${start === end ? start : `${start}-${end}`}${step > 1 && start !== end ? `/${step}` : ''}`,
    )
    .join(',');
}

function numbered<Unit>(range: Range<Unit>, toNumber: (unit: Unit) => number): Range<number> {
  return { start: toNumber(range.start), end: toNumber(range.end), step: range.step };
}

/** Milliseconds as the largest whole units: `1d12h`, `6h`, `30m`, `90s`, `250ms`. */
export function formatDuration(milliseconds: number | undefined): string {
  if (milliseconds === undefined) return '?';
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  let rest = milliseconds;
  let text = '';
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return rest > 0 || text === '' ? `${text}${rest}ms` : text;
}
