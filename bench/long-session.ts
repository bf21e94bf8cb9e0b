/**
 * What a very long session costs: one session of many tool turns with large tool outputs, measured for history
 * size, continue-as-new, payload size, worker memory and whether turns slow down as the session grows.
 *
 *   npm run bench:long -- [--turns 1000] [--output-kb 10] [--latency-ms 0] [--memory-kb 0] [--out FILE]
 *
 * The agent reads one workspace file per turn (each `--output-kb` kB, so every tool result is that large) for
 * `--turns` turns, then gives a final answer. The scripted model answers after `--latency-ms` (0 by default: the
 * point is Lucid's own cost per turn, which a model's latency would only dilute). `--memory-kb` attaches a memory
 * store holding one memory of that size, so the system prompt carries a memory block that large (what passing the
 * system prompt by reference is measured with: history bytes per turn).
 *
 * Reported, per workflow run of the session (it continues-as-new when its history grows large): history events
 * and payload bytes; over all runs: the continue-as-new count and the largest single payload. Worker memory is
 * the child process's resident memory (/proc) when it is ready, at its peak (VmHWM) and after the session. Per
 * turn time is the interval between consecutive span.model_request_start events (workflow time), so the turns'
 * times add up to the session's; its mean over the first and the last 100 turns shows any slowdown as the
 * session grows. Part of such a slowdown is inherent: every model request carries the whole transcript, which
 * grows by one tool output per turn (the largest request body is reported too).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../src/domain/agent-definition';
import type { SessionEvent, SessionSnapshot } from '../src/domain/events';
import type { Scenario } from '../src/scripted-model/scenario';
import type { ScriptedModel } from '../src/scripted-model/server';
import { summarizeRuns, type HistorySummary } from './lib/history';
import {
  describeMachine,
  fileTimestamp,
  readBenchOptions,
  runBenchmark,
  wholeNumber,
  writeReport,
} from './lib/options';
import { startProcessEnvironment, type ProcessEnvironment } from './lib/process-environment';
import { formatMegabytes, MemorySampler, type MemoryProfile } from './lib/process-stats';
import { median } from './lib/statistics';
import { formatTable } from './lib/table';
import { toolTurns, turnLatencies, type ToolTurn } from './lib/turn-timing';
import { formatWorkerConcurrency } from './lib/worker-concurrency';
import type { SessionInput } from '../src/domain/session-input';
import { openStorage, type Storage } from '../src/storage/open-storage';

// ---------------------------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------------------------

const USAGE =
  'usage: npm run bench:long -- [--turns 1000] [--output-kb 10] [--latency-ms 0] [--memory-kb 0] [--out FILE]';

/** Turns compared at the start and at the end of the session. */
const WINDOW = 100;

interface Settings {
  turns: number;
  outputKb: number;
  latencyMs: number;
  memoryKb: number;
  outFile: string;
}

function readSettings(argv: string[]): Settings {
  const values = readBenchOptions(
    argv,
    { turns: '1000', 'output-kb': '10', 'latency-ms': '0', 'memory-kb': '0' },
    USAGE,
  );
  return {
    turns: wholeNumber('turns', values.turns, 1, 9_000, USAGE),
    // read_file cuts outputs above 32,000 characters; larger ones would not be what was asked for.
    outputKb: wholeNumber('output-kb', values['output-kb'], 1, 31, USAGE),
    latencyMs: wholeNumber('latency-ms', values['latency-ms'], 0, 60_000, USAGE),
    // One memory holds at most 100 kB (MEMORY_LIMITS.contentBytes).
    memoryKb: wholeNumber('memory-kb', values['memory-kb'], 0, 99, USAGE),
    outFile: values.out ?? path.join(__dirname, 'results', `long-session-${fileTimestamp(new Date())}.json`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The agent, its workspace and the script the model follows
// ---------------------------------------------------------------------------------------------------------------

const FINAL_ANSWER = 'Read them all.';

function benchAgent(turns: number): AgentDefinition {
  return {
    name: 'bench-long',
    model: 'scripted-bench',
    system: 'Read every data file, one per turn.',
    tools: ['read_file'],
    max_turns: turns + 1, // the reads and the final answer
    max_tokens: 256,
  };
}

/** One file per turn, `data/file-<n>.txt`, each exactly the output size (ASCII, so bytes = characters). */
function prepareWorkspace(dir: string, settings: Settings): void {
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const bytes = settings.outputKb * 1024;
  for (let n = 1; n <= settings.turns; n++) {
    const line = `file ${n}: ${'lorem ipsum dolor sit amet '.repeat(4)}\n`;
    fs.writeFileSync(
      path.join(dir, 'data', `file-${n}.txt`),
      line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes),
    );
  }
}

/** A memory store holding one memory of `memoryKb` kB, attached read-only, so it becomes the prompt's memory block. */
async function attachedMemory(storage: Storage, memoryKb: number): Promise<Partial<SessionInput>> {
  if (memoryKb === 0) return {};
  const store = await storage.memory.createStore({ name: 'bench-notes' });
  const line = 'A note the agent keeps in mind for every turn of the session.\n';
  const content = line.repeat(Math.ceil((memoryKb * 1024) / line.length)).slice(0, memoryKb * 1024);
  await storage.memory.writeMemory(store.id, { path: '/notes.md', content }, { type: 'user_actor', user_id: 'bench' });
  return {
    memory_stores: [{ memory_store_id: store.id, access: 'read_only' }],
    memory_budget_chars: memoryKb * 1024 + 1024,
  };
}

function longScenario(settings: Settings): Scenario {
  return {
    description: 'bench/long-session.ts: one file read per turn, then a final answer',
    default_delay_ms: settings.latencyMs,
    rules: [
      {
        times: settings.turns,
        reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'data/file-{{n}}.txt' } }] },
      },
      { reply: { content: [{ type: 'text', text: FINAL_ANSWER }] } },
    ],
  };
}

/**
 * The scripted model keeps every request it received, bodies included; a thousand requests that each carry
 * the whole transcript would hold gigabytes in this process. Bodies of answered requests are dropped as the
 * session goes; their sizes stay in the recorded content-length headers.
 */
function dropAnsweredBodies(model: ScriptedModel): () => void {
  let next = 0;
  const timer = setInterval(() => {
    while (next < model.requests.length && model.requests[next].answered_at !== undefined)
      model.requests[next++].body = null;
  }, 200);
  return () => clearInterval(timer);
}

// ---------------------------------------------------------------------------------------------------------------
// Running the session
// ---------------------------------------------------------------------------------------------------------------

interface Result {
  wall_ms: number;
  turns: number;
  runs: number;
  continue_as_new_count: number;
  /** Per workflow run, oldest first. */
  history_events_per_run: number[];
  history_bytes_per_run: number[];
  /** All runs' history payload bytes over the tool turns. */
  history_bytes_per_turn: number;
  largest_payload_bytes: number;
  largest_request_body_bytes: number;
  tool_output_bytes: number;
  worker_memory_bytes: MemoryProfile;
  /** Mean time per turn (span start to span start), first and last WINDOW turns. */
  per_turn_ms: { first: number; last: number; ratio: number };
  /** Median turn latency (span start to tool result), first and last WINDOW turns. */
  turn_latency_p50_ms: { first: number; last: number };
}

async function runSession(
  environment: ProcessEnvironment,
  settings: Settings,
  log: (line: string) => void,
): Promise<Result> {
  const storage = openStorage({ dataDir: environment.dataDir });
  const workspace = storage.defaultWorkspace('long-session');
  prepareWorkspace(workspace, settings);
  const memory = await attachedMemory(storage, settings.memoryKb);
  const worker = await environment.startWorker();
  log(`worker (src/worker.ts): ${formatWorkerConcurrency(worker.concurrency)}`);
  const stopDropping = dropAnsweredBodies(environment.model);
  try {
    const sampler = new MemorySampler(worker.pid, 1000);
    const started = performance.now();
    const sessionId = await environment.lucid.startSession({
      agent: benchAgent(settings.turns),
      message: 'Read every data file, one per turn.',
      workspace,
      ...memory,
    });
    const progress = setInterval(() => log(`${environment.model.requests.length} model requests so far`), 30_000);
    const workerDied = worker.exited.then((output) =>
      Promise.reject(new Error(`the worker exited during the session:\n${output}`)),
    );
    const snapshot = await Promise.race([environment.lucid.result(sessionId), workerDied]).finally(() =>
      clearInterval(progress),
    );
    const wallMs = performance.now() - started;
    const workerMemory = sampler.stop();
    const events = await environment.store.readEvents(sessionId);
    checkSession(snapshot, events, settings);
    const runs = (await summarizeRuns(environment.lucid.temporal, sessionId)).reverse(); // the server lists newest first
    return summarize({ wallMs, events, runs, memory: workerMemory, model: environment.model });
  } finally {
    stopDropping();
    await worker.stop();
  }
}

/** A benchmark of the wrong thing is worse than none: stop if the session did not go as scripted. */
function checkSession(snapshot: SessionSnapshot, events: SessionEvent[], settings: Settings): void {
  const results = events.filter((event) => event.type === 'agent.tool_result');
  const bad = results.filter((event) => event.is_error || event.content[0].text.length !== settings.outputKb * 1024);
  const errors = events.filter((event) => event.type === 'session.error');
  if (
    snapshot.final_message !== FINAL_ANSWER ||
    results.length !== settings.turns ||
    bad.length > 0 ||
    errors.length > 0
  ) {
    throw new Error(
      `the session did not go as scripted: ${results.length} tool results (${bad.length} failed or of the wrong size), ` +
        `${errors.length} session errors, stop reason ${JSON.stringify(snapshot.stop_reason)}, final message ${JSON.stringify(snapshot.final_message)}`,
    );
  }
}

/** What the session left behind: its wall time, stored events, workflow runs (oldest first) and worker memory. */
interface Measurements {
  wallMs: number;
  events: SessionEvent[];
  runs: HistorySummary[];
  memory: MemoryProfile;
  model: ScriptedModel;
}

function summarize({ wallMs, events, runs, memory, model }: Measurements): Result {
  const turns = toolTurns(events);
  const window = Math.min(WINDOW, Math.floor(turns.length / 2));
  const intervals = turnIntervals(turns);
  const first = mean(intervals.slice(0, window));
  const last = mean(intervals.slice(-window));
  const latencies = turnLatencies(turns);
  return {
    wall_ms: Math.round(wallMs),
    turns: turns.length,
    runs: runs.length,
    continue_as_new_count: runs.length - 1,
    history_events_per_run: runs.map((run) => run.events),
    history_bytes_per_run: runs.map((run) => run.payloadBytes),
    history_bytes_per_turn: Math.round(runs.reduce((sum, run) => sum + run.payloadBytes, 0) / turns.length),
    largest_payload_bytes: Math.max(...runs.map((run) => run.largestPayloadBytes)),
    largest_request_body_bytes: Math.max(
      ...model.requests.map((request) => Number(request.headers['content-length'] ?? 0)),
    ),
    tool_output_bytes: events.reduce(
      (sum, event) => sum + (event.type === 'agent.tool_result' ? event.content[0].text.length : 0),
      0,
    ),
    worker_memory_bytes: memory,
    per_turn_ms: { first, last, ratio: last / first },
    turn_latency_p50_ms: { first: median(latencies.slice(0, window)), last: median(latencies.slice(-window)) },
  };
}

/** Start of each turn to the start of the next (the last turn: to its tool results). */
function turnIntervals(turns: readonly ToolTurn[]): number[] {
  return turns.map(
    (turn, index) => (index + 1 < turns.length ? turns[index + 1].startedAt : turn.resultsAt) - turn.startedAt,
  );
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------------------

function renderTable(result: Result): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const memory = result.worker_memory_bytes;
  const rows = [
    ['measure', 'value'],
    ['wall time', `${(result.wall_ms / 1000).toFixed(1)} s`],
    ['tool turns', String(result.turns)],
    ['workflow runs (continue-as-new count)', `${result.runs} (${result.continue_as_new_count})`],
    ['history events per run', result.history_events_per_run.join(', ')],
    ['history payload bytes per run', result.history_bytes_per_run.map(kb).join(', ')],
    ['history payload bytes per turn', kb(result.history_bytes_per_turn)],
    ['largest payload', kb(result.largest_payload_bytes)],
    ['tool output in total', kb(result.tool_output_bytes)],
    ['largest model request body', kb(result.largest_request_body_bytes)],
    [
      'worker RSS start / peak / end',
      `${formatMegabytes(memory.startBytes)} / ${formatMegabytes(memory.peakBytes)} / ${formatMegabytes(memory.endBytes)}`,
    ],
    [
      `per turn, first / last ${Math.min(WINDOW, Math.floor(result.turns / 2))} turns (mean)`,
      `${ms(result.per_turn_ms.first)} / ${ms(result.per_turn_ms.last)} (× ${result.per_turn_ms.ratio.toFixed(2)})`,
    ],
    [
      'turn latency p50, first / last',
      `${ms(result.turn_latency_p50_ms.first)} / ${ms(result.turn_latency_p50_ms.last)}`,
    ],
  ];
  return formatTable(rows);
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const log = (line: string) => console.log(`[bench] ${line}`);
  const memoryNote = settings.memoryKb ? `, with a ${settings.memoryKb} kB memory block` : '';
  log(
    `${settings.turns} turns reading ${settings.outputKb} kB each${memoryNote}; the model answers after ${settings.latencyMs} ms`,
  );
  const began = performance.now();
  const environment = await startProcessEnvironment(longScenario(settings), log);
  let result: Result;
  try {
    result = await runSession(environment, settings, log);
  } finally {
    await environment.close();
  }
  console.log(`\n${renderTable(result)}\n`);
  console.log(
    'per turn: span.model_request_start to the next one (workflow time); turn latency: span.model_request_start → agent.tool_result.',
  );
  writeReport(settings.outFile, {
    benchmark: 'long-session',
    created_at: new Date().toISOString(),
    settings: {
      turns: settings.turns,
      output_kb: settings.outputKb,
      latency_ms: settings.latencyMs,
      memory_kb: settings.memoryKb,
      window: WINDOW,
    },
    machine: describeMachine(),
    runtime_ms: Math.round(performance.now() - began),
    result,
  });
}

runBenchmark(main);
