/**
 * The same four session calls made three ways, for bench/api.ts's per-call overhead table:
 *
 *   http      the official SDK over loopback to the API server (its own process): what an API client pays.
 *   service   the API's SessionService / EventService called in this process: the API's own work (its record,
 *             its checks, the extra Temporal calls it makes) without HTTP, the SDK or Fastify.
 *   direct    LucidClient: one Temporal call per operation, what a TypeScript service on Temporal pays.
 *
 * http − service is what the HTTP layer itself costs; service − direct is what the API's semantics cost.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { LucidClient } from '../../src/client';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { newSessionId } from '../../src/domain/ids';
import { seqOfApiEventId } from '../../src/api/events/event-object';
import { EventListQuerySchema } from '../../src/api/events/event-params';
import { EventService } from '../../src/api/events/event-service';
import { SessionService } from '../../src/api/sessions/session-service';
import type { SessionCreateParams } from '../../src/api/sessions/session-params';

export const OPERATIONS = ['create', 'send', 'retrieve', 'list'] as const;
/**
 * The four calls and their sum per journey: the API and LucidClient wait at different points (an HTTP create
 * answers once the workflow has taken its first task, a direct start at once, so the direct send waits instead),
 * so single calls can move cost between them; the journey cannot.
 */
export const MEASURES = [...OPERATIONS, 'journey'] as const;
export type Operation = (typeof OPERATIONS)[number];
export type Measure = (typeof MEASURES)[number];

export const CONFIGURATIONS = ['http', 'service', 'direct'] as const;
export type Configuration = (typeof CONFIGURATIONS)[number];

/** One way of making the calls. `send` answers with the seq of the accepted user.message. */
export interface SessionCalls {
  create(): Promise<string>;
  send(sessionId: string): Promise<number>;
  retrieve(sessionId: string): Promise<unknown>;
  list(sessionId: string): Promise<unknown>;
  /** Not measured: removes the session so that every journey finds the same, small world. */
  remove(sessionId: string): Promise<void>;
}

const MESSAGE = 'Say hello.';

export interface CallTargets {
  sdk: Anthropic;
  lucid: LucidClient;
  /** The API agent every session runs (http and service), and the same agent as Lucid runs it (direct). */
  agentId: string;
  /** The environment the API's sessions run in (the direct client's run without one). */
  environmentId: string;
  definition: AgentDefinition;
}

export function sessionCalls({
  sdk,
  lucid,
  agentId,
  environmentId,
  definition,
}: CallTargets): Record<Configuration, SessionCalls> {
  const service = new SessionService(lucid.storage, lucid);
  const events = new EventService(lucid.storage.sessions, (sessionId) => lucid.isRunning(sessionId));
  const userMessage = { type: 'user.message' as const, content: [{ type: 'text' as const, text: MESSAGE }] };
  const acceptedSeq = (sessionId: string, eventId: string | undefined) => {
    const seq = eventId === undefined ? null : seqOfApiEventId(sessionId, eventId);
    if (seq === null) throw new Error(`session ${sessionId}: the send answered no event id of its log`);
    return seq;
  };
  return {
    http: {
      create: async () => (await sdk.beta.sessions.create({ agent: agentId, environment_id: environmentId })).id,
      send: async (id) =>
        acceptedSeq(id, (await sdk.beta.sessions.events.send(id, { events: [userMessage] })).data?.[0]?.id),
      retrieve: (id) => sdk.beta.sessions.retrieve(id),
      list: async (id) => await sdk.beta.sessions.events.list(id),
      remove: async (id) => void (await sdk.beta.sessions.delete(id)),
    },
    service: {
      create: async () =>
        (await service.create({ agent: agentId, environment_id: environmentId } as SessionCreateParams)).id,
      send: async (id) => acceptedSeq(id, (await service.sendEvents(id, [userMessage])).data?.[0]?.id),
      retrieve: (id) => service.retrieve(id),
      list: async (id) => {
        await events.requireSession(id);
        return events.list(id, EventListQuerySchema.parse({}));
      },
      remove: async (id) => void (await service.delete(id)),
    },
    direct: {
      create: () => lucid.startSession({ sessionId: newSessionId(), agent: definition, lifecycle: 'api' }),
      send: async (id) => (await lucid.sendMessage(id, MESSAGE)).seq,
      retrieve: (id) => lucid.snapshot(id),
      list: (id) => lucid.readEvents(id),
      remove: async (id) => {
        await lucid.temporal.workflow.getHandle(id).terminate('benchmark journey done');
        await lucid.storage.sessions.deleteSession(id);
      },
    },
  };
}

/** Not measured: waits until the turn a send started is over (its session.status_idle is stored). */
export async function waitForIdle(lucid: LucidClient, sessionId: string, afterSeq: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const events = await lucid.storage.sessions.readEvents(sessionId, { afterSeq });
    if (events.some((event) => event.type === 'session.status_idle')) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`session ${sessionId} did not go idle within 60 s after seq ${afterSeq}`);
}

export type CallSamples = Record<Configuration, Record<Measure, number[]>>;

export function emptySamples(): CallSamples {
  const perOperation = () => Object.fromEntries(MEASURES.map((measure) => [measure, [] as number[]]));
  return Object.fromEntries(CONFIGURATIONS.map((name) => [name, perOperation()])) as CallSamples;
}

/** One session's journey: create, send (then wait, untimed, for the turn), retrieve, list; then removed. */
export async function timeJourney(
  calls: SessionCalls,
  lucid: LucidClient,
  record: (measure: Measure, ms: number) => void,
): Promise<void> {
  let total = 0;
  const timed = async <T>(operation: Operation, call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await call();
    const ms = performance.now() - started;
    total += ms;
    record(operation, ms);
    return value;
  };
  const id = await timed('create', () => calls.create());
  const seq = await timed('send', () => calls.send(id));
  await waitForIdle(lucid, id, seq);
  await timed('retrieve', () => calls.retrieve(id));
  await timed('list', () => calls.list(id));
  record('journey', total);
  await calls.remove(id);
}

/** The order the configurations run in, round `round`: rotated, so that none always goes first or last. */
export function rotation<T>(items: readonly T[], round: number): T[] {
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
