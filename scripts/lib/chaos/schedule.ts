/**
 * When the chaos happens: a fixed number of worker kills, dev-server restarts and (on the PostgreSQL store)
 * database restarts at seeded random moments within the run's window, and when each session starts. The same
 * seed gives the same plan.
 */
import type { SessionKind } from './agents';

export type DisruptionKind = 'worker_kill' | 'server_restart' | 'postgres_restart';

export interface Disruption {
  kind: DisruptionKind;
  /** Milliseconds after the workload started. */
  at_ms: number;
}

export interface PlannedSession {
  id: string;
  kind: SessionKind;
  /** Milliseconds after the workload started. */
  start_ms: number;
}

export interface ScheduleOptions {
  workerKills: number;
  serverRestarts: number;
  /** PostgreSQL restarts: only with the PostgreSQL store. */
  postgresRestarts: number;
  windowMs: number;
  random: () => number;
}

/**
 * Disruptions fall uniformly in the middle 80 % of the window (sorted), so there is work in flight before the
 * first and after the last. A disruption comes due only after the previous one has recovered.
 */
export function planDisruptions({
  workerKills,
  serverRestarts,
  postgresRestarts,
  windowMs,
  random,
}: ScheduleOptions): Disruption[] {
  const kinds: DisruptionKind[] = [
    ...Array(workerKills).fill('worker_kill'),
    ...Array(serverRestarts).fill('server_restart'),
    ...Array(postgresRestarts).fill('postgres_restart'),
  ];
  return kinds
    .map((kind) => ({ kind, at_ms: Math.round(windowMs * (0.1 + 0.8 * random())) }))
    .sort((a, b) => a.at_ms - b.at_ms);
}

/**
 * Sessions start evenly over the first 60 % of the window, their kinds shuffled, so the disruptions meet sessions
 * at every step: starting, mid-tool, grading, delegating, finishing.
 */
export function planSessions(
  counts: Record<SessionKind, number>,
  windowMs: number,
  random: () => number,
): PlannedSession[] {
  // The first writers feed the dream, which should then wait for review through most of the chaos.
  const dreamWriters = Math.min(DREAM_SESSIONS, counts.writer);
  const rest: SessionKind[] = [
    ...Array<SessionKind>(counts.writer - dreamWriters).fill('writer'),
    ...Array<SessionKind>(counts.reporter).fill('reporter'),
    ...Array<SessionKind>(counts.lead).fill('lead'),
  ];
  shuffle(rest, random);
  const ordered = [...Array<SessionKind>(dreamWriters).fill('writer'), ...rest];
  const spacing = ordered.length > 1 ? (0.6 * windowMs) / (ordered.length - 1) : 0;
  return ordered.map((kind, index) => ({
    id: `sesn_chaos_${String(index).padStart(3, '0')}_${kind}`,
    kind,
    start_ms: Math.round(index * spacing),
  }));
}

/** The dream reads this many of the first writer sessions. */
export const DREAM_SESSIONS = 2;

function shuffle<T>(items: T[], random: () => number): void {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other], items[index]];
  }
}
