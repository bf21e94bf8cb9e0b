/**
 * bench/api.ts's stream part: many SSE clients (the SDK's `events.stream`) on a few sessions, turns driven
 * through the API, and for every event each client receives, the time from the event being stored to its
 * arrival at that client.
 *
 * "Stored" is the event file's ctime: the store writes each event to a temp file and renames it into place
 * (src/storage/fs-session-store.ts), and the rename sets the ctime, so it is the moment the event became visible
 * to any reader. The kernel stamps it with its coarse clock, which may lag by up to one tick (1-4 ms), so the
 * store-to-client figures are at most that much too high. `processed_at` (workflow time, when the worker made
 * the event; it is persisted later, in a batch) gives the longer worker-to-client figure next to it.
 */
import type Anthropic from '@anthropic-ai/sdk';
import fs from 'node:fs/promises';
import path from 'node:path';
import { seqOfApiEventId } from '../../src/api/events/event-object';
import { DataLayout } from '../../src/storage/layout';

export interface Arrival {
  sessionId: string;
  stream: number;
  seq: number;
  type: string;
  processedAt: number;
  /** Date.now() (with performance.now()'s fraction) when the SDK yielded the event to the client. */
  arrivedAt: number;
}

export interface OpenStreams {
  arrivals: Arrival[];
  /** Resolves once every stream has seen `count` session.status_idle events. */
  idles(count: number): Promise<void>;
  close(): Promise<void>;
}

const now = () => performance.timeOrigin + performance.now();

/** Opens `count` streams, spread evenly over the sessions, each from "now" (the API's default live tail). */
export async function openStreams(sdk: Anthropic, sessionIds: readonly string[], count: number): Promise<OpenStreams> {
  const arrivals: Arrival[] = [];
  const idleCounts = new Array<number>(count).fill(0);
  let wake: () => void = () => {};
  const streams = await Promise.all(
    Array.from({ length: count }, (_, index) => sdk.beta.sessions.events.stream(sessionIds[index % sessionIds.length])),
  );
  const consumed = streams.map(async (stream, index) => {
    const sessionId = sessionIds[index % sessionIds.length];
    try {
      for await (const event of stream) {
        const arrivedAt = now();
        // Previews (event_start / event_delta) come only with event_deltas[], which these streams do not ask for.
        if (!('processed_at' in event) || !event.processed_at) continue;
        const seq = seqOfApiEventId(sessionId, event.id);
        if (seq === null) throw new Error(`stream ${index}: event ${event.id} is not of session ${sessionId}`);
        arrivals.push({
          sessionId,
          stream: index,
          seq,
          type: event.type,
          processedAt: Date.parse(event.processed_at),
          arrivedAt,
        });
        if (event.type === 'session.status_idle') {
          idleCounts[index]++;
          wake();
        }
      }
    } catch (error) {
      if (!stream.controller.signal.aborted) throw error;
    }
  });
  const failed = Promise.all(consumed).then(() => undefined);
  return {
    arrivals,
    idles: (wanted) =>
      new Promise<void>((resolve, reject) => {
        const check = () => idleCounts.every((seen) => seen >= wanted) && resolve();
        wake = check;
        check();
        failed.catch(reject);
        setTimeout(() => reject(new Error(`not every stream saw ${wanted} idle events within 120 s`)), 120_000).unref();
      }),
    async close() {
      for (const stream of streams) stream.controller.abort();
      await failed;
    },
  };
}

/** seq → the ctime of its event file, for each session: when each event landed in the store. */
export async function storedTimes(
  dataDir: string,
  sessionIds: readonly string[],
): Promise<Map<string, Map<number, number>>> {
  const layout = new DataLayout(dataDir);
  const times = new Map<string, Map<number, number>>();
  for (const sessionId of sessionIds) {
    const dir = layout.eventsDir(sessionId);
    const bySeq = new Map<number, number>();
    for (const name of await fs.readdir(dir)) {
      const seq = Number(name.replace(/\.json$/, ''));
      if (!name.endsWith('.json') || !Number.isInteger(seq)) continue;
      bySeq.set(seq, (await fs.stat(path.join(dir, name))).ctimeMs);
    }
    times.set(sessionId, bySeq);
  }
  return times;
}

/**
 * Checks that every stream got every event of its session's turns exactly once, in order (a benchmark of a
 * stream that loses events would be measuring the wrong thing), and returns the two latencies of each arrival.
 */
export function arrivalLatencies(
  arrivals: readonly Arrival[],
  stored: Map<string, Map<number, number>>,
): { fromStore: number[]; fromProcessed: number[] } {
  const lastSeq = new Map<number, number>();
  const fromStore: number[] = [];
  const fromProcessed: number[] = [];
  for (const arrival of arrivals) {
    const previous = lastSeq.get(arrival.stream);
    if (previous !== undefined && arrival.seq !== previous + 1)
      throw new Error(
        `stream ${arrival.stream} got seq ${arrival.seq} after ${previous}: an event was lost or repeated`,
      );
    lastSeq.set(arrival.stream, arrival.seq);
    const storedAt = stored.get(arrival.sessionId)?.get(arrival.seq);
    if (storedAt === undefined) throw new Error(`event ${arrival.seq} of ${arrival.sessionId} is not in the store`);
    fromStore.push(arrival.arrivedAt - storedAt);
    fromProcessed.push(arrival.arrivedAt - arrival.processedAt);
  }
  return { fromStore, fromProcessed };
}
