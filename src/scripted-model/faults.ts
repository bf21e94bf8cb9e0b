/**
 * Fault injection for the scripted model: a scenario's optional `faults` setting makes a seeded share of
 * `/v1/messages` requests fail the way a real model API fails under load, so chaos runs and tests exercise the
 * client's retry paths with the real SDK. See docs/scripted-model.md ("Fault injection").
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { z } from 'zod';

/** The failures the scripted model can inject. */
export const FAULT_KINDS = ['429', '529', '500', 'drop', 'stall'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A scenario's `faults` setting, with its defaults filled in. */
export interface FaultSettings {
  /** Share of `/v1/messages` requests that get a fault, 0–1. */
  rate: number;
  /** Kinds to inject; they take turns in this order. All five by default. */
  kinds: FaultKind[];
  /** How long a `stall` holds a request before answering it normally. */
  stall_ms: number;
  /** Seed of the generator that picks which requests fail. */
  seed: number;
}

/** The `faults` setting as written in a scenario: only `rate` is required. */
export type FaultOptions = Pick<FaultSettings, 'rate'> & Partial<FaultSettings>;

export const FaultSettingsSchema: z.ZodType<FaultSettings, FaultOptions> = z.strictObject({
  rate: z.number().min(0).max(1),
  kinds: z
    .array(z.enum(FAULT_KINDS))
    .min(1)
    .refine((kinds) => new Set(kinds).size === kinds.length, 'each kind may be listed once')
    .default([...FAULT_KINDS]),
  stall_ms: z.number().int().nonnegative().default(30_000),
  seed: z.number().int().default(1),
});

/** Injected faults so far, per kind. */
export type FaultCounts = Record<FaultKind, number>;

export function zeroFaultCounts(): FaultCounts {
  return Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as FaultCounts;
}

/** The `retry-after` a 429 carries, in seconds: the real API sends one, and clients should honour it. */
const RATE_LIMIT_RETRY_AFTER_S = 1;

/**
 * Decides, request by request, whether to inject a fault and which. Which requests fail comes from a seeded
 * generator, so a scenario fails the same share of requests in the same positions every run; the kinds take
 * turns in the listed order, so any run with at least `kinds.length` faults sees every kind.
 */
export class FaultPlan {
  private readonly random: () => number;
  private turn = 0;

  constructor(
    readonly settings: FaultSettings,
    private readonly counts: FaultCounts,
  ) {
    this.random = mulberry32(settings.seed);
  }

  /** The fault for the next request, or null to answer it normally. Counts what it returns. */
  next(): FaultKind | null {
    if (this.random() >= this.settings.rate) return null;
    const kind = this.settings.kinds[this.turn++ % this.settings.kinds.length];
    this.counts[kind]++;
    return kind;
  }
}

/**
 * Applies a fault to a `/v1/messages` request. Resolves true when the fault answered the request (an error
 * status, or a dropped connection), false when the request should now be answered normally (after a stall,
 * or when the client left during it).
 */
export async function injectFault(
  kind: FaultKind,
  res: ServerResponse,
  stream: boolean,
  settings: FaultSettings,
  signal: AbortSignal,
): Promise<boolean> {
  switch (kind) {
    case '429':
      return sendFaultError(res, 429, 'rate_limit_error', { 'retry-after': String(RATE_LIMIT_RETRY_AFTER_S) });
    case '529':
      return sendFaultError(res, 529, 'overloaded_error');
    case '500':
      return sendFaultError(res, 500, 'api_error');
    case 'drop':
      await dropConnection(res, stream);
      return true;
    case 'stall':
      await holdFor(settings.stall_ms, signal);
      return signal.aborted;
  }
}

function sendFaultError(res: ServerResponse, status: number, type: string, headers: Record<string, string> = {}): true {
  const body = JSON.stringify({ type: 'error', error: { type, message: `scripted model: injected ${status} fault` } });
  const requestId = `req_scripted_${randomBytes(8).toString('hex')}`;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'request-id': requestId,
    ...headers,
  });
  res.end(body);
  return true;
}

/**
 * Cuts the connection. A stream is cut after its first event, mid-answer (the harder case for a client: the
 * request was accepted, then the body breaks off); a plain request is cut before any byte of the answer.
 */
async function dropConnection(res: ServerResponse, stream: boolean): Promise<void> {
  if (stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const start = {
      type: 'message_start',
      message: {
        id: 'msg_dropped',
        type: 'message',
        role: 'assistant',
        content: [],
        model: 'scripted-model',
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    };
    // Cut only once the first event is on its way, so the client really sees an answer break off.
    await new Promise<void>((resolve) =>
      res.write(`event: message_start\ndata: ${JSON.stringify(start)}\n\n`, () => resolve()),
    );
  }
  res.socket?.destroy();
}

/** Waits `ms`, or less when the client leaves (or the server closes) first. */
function holdFor(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A small, fast, seedable generator of floats in [0, 1) (Mulberry32); plenty for picking requests. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
