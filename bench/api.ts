/**
 * What the HTTP API costs on top of Temporal, and how it serves many event streams.
 *
 *   npm run bench:api -- [--calls 100] [--warmup 3] [--streams 200] [--stream-sessions 20] [--turns 5] [--out FILE]
 *
 * One run, three parts, against its own Temporal dev server, a Lucid worker and the API server (each its own
 * process; the SDK clients, the direct client and the scripted model, which answers at once, are in this one):
 *
 * 1. Per-call overhead. `--calls` session journeys (create, send a message, wait untimed for the turn, retrieve,
 *    list its events) made three ways, interleaved journey by journey in a rotating order so drift on a shared
 *    machine touches all alike (bench/lib/api-calls.ts): the SDK over HTTP, the API's services in-process, and
 *    LucidClient straight to Temporal. p50 / p99 of each call.
 * 2. Streams. `--streams` SSE streams (the SDK's `events.stream`) spread over `--stream-sessions` sessions;
 *    `--turns` rounds of a message to every session; for every event every stream receives, the time from its
 *    store write to its arrival (bench/lib/stream-latency.ts). p50 / p99.
 * 3. The server's memory: RSS and V8 heap when fresh, idle before the streams, at their peak, and after they
 *    closed (the fresh, idle and after readings follow a full GC, so their heap is what the server still holds).
 */
import Anthropic from '@anthropic-ai/sdk';
import os from 'node:os';
import { pinnedAgent, runnableDefinition } from '../src/api/sessions/session-agent';
import type { Scenario } from '../src/scripted-model/scenario';
import {
  CONFIGURATIONS,
  emptySamples,
  MEASURES,
  rotation,
  sessionCalls,
  timeJourney,
  type CallSamples,
} from './lib/api-calls';
import { startApiServerProcess, type ApiServerProcess, type MemoryUsage } from './lib/api-server-process';
import { readSettings, type Settings } from './lib/api-settings';
import { describeMachine, runBenchmark, writeReport } from './lib/options';
import { startProcessEnvironment, type ProcessEnvironment } from './lib/process-environment';
import { formatMegabytes, readMemory } from './lib/process-stats';
import { summarizeLatencies, type LatencySummary } from './lib/statistics';
import { arrivalLatencies, openStreams, storedTimes } from './lib/stream-latency';
import { formatTable } from './lib/table';

const SCENARIO: Scenario = {
  description: 'bench/api.ts: one short answer per turn',
  rules: [{ reply: { content: [{ type: 'text', text: 'Hello.' }] } }],
};
const API_KEY = 'lucid-bench-api-key';

// ---------------------------------------------------------------------------------------------------------------
// Part 1: per-call overhead
// ---------------------------------------------------------------------------------------------------------------

async function measureCalls(
  environment: ProcessEnvironment,
  sdk: Anthropic,
  settings: Settings,
  log: (line: string) => void,
): Promise<CallSamples> {
  const agent = await sdk.beta.agents.create({ name: 'api-bench', model: 'scripted-instant', system: 'Be brief.' });
  const agents = environment.lucid.storage.agents;
  const { definition } = await runnableDefinition(agents, await pinnedAgent(agents, agent.id));
  const { id: environmentId } = await sdk.beta.environments.create({ name: 'api-bench' });
  const calls = sessionCalls({ sdk, lucid: environment.lucid, agentId: agent.id, environmentId, definition });
  const samples = emptySamples();
  const rounds = settings.warmup + settings.calls;
  for (let round = 0; round < rounds; round++) {
    const warmup = round < settings.warmup;
    for (const configuration of rotation(CONFIGURATIONS, round)) {
      await timeJourney(calls[configuration], environment.lucid, (operation, ms) => {
        if (!warmup) samples[configuration][operation].push(ms);
      });
    }
    if (!warmup && (round - settings.warmup + 1) % 10 === 0)
      log(`journeys: ${round - settings.warmup + 1} of ${settings.calls} each way`);
  }
  return samples;
}

interface CallResult {
  call: string;
  http_ms: LatencySummary;
  service_ms: LatencySummary;
  direct_ms: LatencySummary;
  /** p50(http) − p50(direct): the whole price of the API per call. */
  overhead_p50_ms: number;
  /** p50(http) − p50(service): the HTTP layer alone (SDK, loopback, Fastify, zod). */
  http_layer_p50_ms: number;
}

function summarizeCalls(samples: CallSamples): CallResult[] {
  return MEASURES.map((measure) => {
    const [http, service, direct] = CONFIGURATIONS.map((name) => summarizeLatencies(samples[name][measure]));
    return {
      call: measure,
      http_ms: http,
      service_ms: service,
      direct_ms: direct,
      overhead_p50_ms: http.p50 - direct.p50,
      http_layer_p50_ms: http.p50 - service.p50,
    };
  });
}

function renderCalls(results: CallResult[]): string {
  const ms = (value: number) => value.toFixed(2);
  const header = [
    'call',
    'http p50',
    'p99',
    'service p50',
    'p99',
    'direct p50',
    'p99',
    'http − direct',
    'http − service',
  ];
  const rows = results.map((result) => [
    result.call,
    ms(result.http_ms.p50),
    ms(result.http_ms.p99),
    ms(result.service_ms.p50),
    ms(result.service_ms.p99),
    ms(result.direct_ms.p50),
    ms(result.direct_ms.p99),
    ms(result.overhead_p50_ms),
    ms(result.http_layer_p50_ms),
  ]);
  return formatTable([header, ...rows]);
}

// ---------------------------------------------------------------------------------------------------------------
// Parts 2 and 3: streams, and the server's memory
// ---------------------------------------------------------------------------------------------------------------

interface ServerMemory {
  rss_bytes: number;
  heap_used_bytes: number;
  heap_total_bytes: number;
  external_bytes: number;
}

const memoryOf = (usage: MemoryUsage): ServerMemory => ({
  rss_bytes: usage.rss,
  heap_used_bytes: usage.heapUsed,
  heap_total_bytes: usage.heapTotal,
  external_bytes: usage.external,
});

/** The largest RSS and heap seen while `during` runs, sampled every 250 ms, plus the kernel's RSS peak. */
async function peakMemoryDuring<T>(
  server: ApiServerProcess,
  during: () => Promise<T>,
): Promise<{ value: T; peak: ServerMemory & { vm_hwm_bytes: number } }> {
  const peak: ServerMemory = { rss_bytes: 0, heap_used_bytes: 0, heap_total_bytes: 0, external_bytes: 0 };
  const sample = async () => {
    const reading = memoryOf(await server.memory({ gc: false }));
    for (const key of Object.keys(peak) as Array<keyof ServerMemory>) peak[key] = Math.max(peak[key], reading[key]);
  };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  try {
    const value = await during();
    await sample();
    return { value, peak: { ...peak, vm_hwm_bytes: readMemory(server.pid).peakRssBytes } };
  } finally {
    sampling = false;
    await sampler;
  }
}

interface StreamResult {
  streams: number;
  sessions: number;
  turns: number;
  events_delivered: number;
  store_to_client_ms: LatencySummary;
  processed_at_to_client_ms: LatencySummary;
  /** From the first message sent to the last stream seeing its last idle event. */
  wall_ms: number;
}

async function measureStreams(
  environment: ProcessEnvironment,
  sdk: Anthropic,
  server: ApiServerProcess,
  settings: Settings,
  log: (line: string) => void,
): Promise<{ result: StreamResult; peak: ServerMemory & { vm_hwm_bytes: number } }> {
  const agent = await sdk.beta.agents.create({ name: 'stream-bench', model: 'scripted-instant', system: 'Be brief.' });
  const { id: environmentId } = await sdk.beta.environments.create({ name: 'stream-bench' });
  const sessionIds: string[] = [];
  for (let index = 0; index < settings.streamSessions; index++) {
    sessionIds.push((await sdk.beta.sessions.create({ agent: agent.id, environment_id: environmentId })).id);
  }
  const { value, peak } = await peakMemoryDuring(server, async () => {
    const streams = await openStreams(sdk, sessionIds, settings.streams);
    log(`${settings.streams} streams open on ${settings.streamSessions} sessions`);
    const started = performance.now();
    try {
      for (let turn = 1; turn <= settings.turns; turn++) {
        await Promise.all(
          sessionIds.map((id) =>
            sdk.beta.sessions.events.send(id, {
              events: [{ type: 'user.message', content: [{ type: 'text', text: `Turn ${turn}.` }] }],
            }),
          ),
        );
        await streams.idles(turn);
        log(`stream round ${turn} of ${settings.turns}: ${streams.arrivals.length} events delivered so far`);
      }
      return { arrivals: streams.arrivals, wallMs: performance.now() - started };
    } finally {
      await streams.close();
    }
  });
  const latencies = arrivalLatencies(value.arrivals, await storedTimes(environment.dataDir, sessionIds));
  return {
    result: {
      streams: settings.streams,
      sessions: settings.streamSessions,
      turns: settings.turns,
      events_delivered: value.arrivals.length,
      store_to_client_ms: summarizeLatencies(latencies.fromStore),
      processed_at_to_client_ms: summarizeLatencies(latencies.fromProcessed),
      wall_ms: Math.round(value.wallMs),
    },
    peak,
  };
}

/** Server memory after the streams closed, once it has had a moment to let go of them. */
async function settledMemory(server: ApiServerProcess): Promise<ServerMemory> {
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return memoryOf(await server.memory({ gc: true }));
}

function renderMemory(readings: Record<string, ServerMemory>): string {
  const rows = Object.entries(readings).map(([moment, reading]) => [
    moment,
    formatMegabytes(reading.rss_bytes),
    formatMegabytes(reading.heap_used_bytes),
    formatMegabytes(reading.heap_total_bytes),
  ]);
  return formatTable([['server memory', 'RSS', 'heap used', 'heap total'], ...rows]);
}

/** The machine is shared: its load average says how much else ran next to the benchmark. */
function loadAverage(): number[] {
  return os.loadavg().map((value) => Number(value.toFixed(2)));
}

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const log = (line: string) => console.log(`[bench:api] ${line}`);
  const began = performance.now();
  const loadBefore = loadAverage();
  const environment = await startProcessEnvironment(SCENARIO, log);
  const stops: Array<() => Promise<void>> = [() => environment.close()];
  try {
    const worker = await environment.startWorker();
    stops.unshift(() => worker.stop());
    const server = await startApiServerProcess({
      address: environment.address,
      taskQueue: environment.taskQueue,
      dataDir: environment.dataDir,
      apiKey: API_KEY,
    });
    stops.unshift(() => server.stop());
    const sdk = new Anthropic({ baseURL: server.baseURL, apiKey: API_KEY, maxRetries: 0 });
    const fresh = memoryOf(await server.memory({ gc: true }));

    const calls = summarizeCalls(await measureCalls(environment, sdk, settings, log));
    console.log(`\n${renderCalls(calls)}\n`);

    const idle = memoryOf(await server.memory({ gc: true }));
    const streams = await measureStreams(environment, sdk, server, settings, log);
    const after = await settledMemory(server);
    const { store_to_client_ms: store, processed_at_to_client_ms: processed } = streams.result;
    console.log(
      `\n${settings.streams} streams: store → client p50 ${store.p50.toFixed(1)} ms, p99 ${store.p99.toFixed(1)} ms ` +
        `(processed_at → client p50 ${processed.p50.toFixed(1)} ms, p99 ${processed.p99.toFixed(1)} ms) over ` +
        `${streams.result.events_delivered} deliveries`,
    );
    const memory = { fresh, idle, under_streams_peak: streams.peak, after_streams: after };
    console.log(`\n${renderMemory(memory)}\n`);
    writeReport(settings.outFile, {
      benchmark: 'api',
      created_at: new Date().toISOString(),
      settings: {
        calls: settings.calls,
        warmup: settings.warmup,
        streams: settings.streams,
        stream_sessions: settings.streamSessions,
        turns: settings.turns,
      },
      machine: { ...describeMachine(), load_average_before: loadBefore, load_average_after: loadAverage() },
      worker_concurrency: worker.concurrency,
      runtime_ms: Math.round(performance.now() - began),
      calls,
      streams: streams.result,
      server_memory: memory,
    });
  } finally {
    for (const stop of stops) await stop().catch(() => {});
  }
}

runBenchmark(main);
