/**
 * What a very long session costs on a real context window: one session of many tool turns with large tool
 * outputs, against a scripted model that refuses any request over its window as the API does.
 *
 *   npm run bench:long -- [--turns 1000] [--output-kb 10] [--window-tokens 200000] [--latency-ms 0]
 *                         [--memory-kb 0] [--plot docs/img/long-session-input-tokens.svg|none] [--out FILE]
 *
 * The agent reads one workspace file per turn (each `--output-kb` kB, so every tool result is that large) for
 * `--turns` turns, then gives a final answer. The scripted model's window is `--window-tokens` (its scenario's
 * `context_window`); the agent's is Lucid's window for its model, or the same number on the agent definition when
 * it differs from the default. The model answers after `--latency-ms` (0 by default: the point is Lucid's own cost
 * per turn, which a model's latency would only dilute). `--memory-kb` attaches a memory store holding one memory of
 * that size, so the system prompt carries a memory block that large (history bytes per turn show what it costs).
 *
 * Reported:
 * - failures: session errors, failed or short tool results, a session that did not end as scripted, and requests
 *   over the window. Any failure makes the benchmark exit 1 (after the report is written).
 * - the largest request in tokens, each recorded request measured with the scripted model's own estimate
 *   (src/domain/token-estimate.ts), and the input tokens per request over the session (plotted as SVG);
 * - the cache-read share before the first clearing batch, between batches and at the batches themselves
 *   (bench/lib/context-series.ts);
 * - per workflow run: history events and payload bytes, and the payload bytes per turn; the continue-as-new count
 *   and the largest payload;
 * - worker memory (the child process's /proc) at start, peak and end;
 * - per-turn time, the interval between consecutive span.model_request_start events (workflow time), its mean
 *   over the first and the last 100 turns (the goal is a last/first ratio of at most 1.1) and over each block of
 *   100 turns, since one ratio on a shared machine can be noise.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../src/domain/agent-definition';
import { modelContextWindow } from '../src/domain/context-window';
import type { SessionEvent, SessionSnapshot } from '../src/domain/events';
import type { SessionInput } from '../src/domain/session-input';
import { countInputTokens } from '../src/domain/token-estimate';
import { DEFAULT_SCRIPTED_CONTEXT_WINDOW, type Scenario } from '../src/scripted-model/scenario';
import type { ScriptedModel } from '../src/scripted-model/server';
import { openStorage, type Storage } from '../src/storage/open-storage';
import { contextSeries, type CacheShare, type ContextSeries } from './lib/context-series';
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
import { lineChartSvg } from './lib/svg-plot';
import { formatTable } from './lib/table';
import { toolTurns, turnLatencies, type ToolTurn } from './lib/turn-timing';
import { formatWorkerConcurrency } from './lib/worker-concurrency';

// ---------------------------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------------------------

const USAGE =
  'usage: npm run bench:long -- [--turns 1000] [--output-kb 10] [--window-tokens 200000] [--latency-ms 0] ' +
  '[--memory-kb 0] [--plot FILE|none] [--out FILE]';

/** Turns compared at the start and at the end of the session. */
const COMPARED_TURNS = 100;

const DEFAULT_PLOT = path.join(__dirname, '..', 'docs', 'img', 'long-session-input-tokens.svg');

interface Settings {
  turns: number;
  outputKb: number;
  windowTokens: number;
  latencyMs: number;
  memoryKb: number;
  /** Where the SVG of input tokens per request goes; null: nowhere. */
  plotFile: string | null;
  outFile: string;
}

function readSettings(argv: string[]): Settings {
  const values = readBenchOptions(
    argv,
    {
      turns: '1000',
      'output-kb': '10',
      'window-tokens': String(DEFAULT_SCRIPTED_CONTEXT_WINDOW),
      'latency-ms': '0',
      'memory-kb': '0',
      plot: DEFAULT_PLOT,
    },
    USAGE,
  );
  return {
    turns: wholeNumber('turns', values.turns, 1, 9_000, USAGE),
    // read_file cuts outputs above 32,000 characters; larger ones would not be what was asked for.
    outputKb: wholeNumber('output-kb', values['output-kb'], 1, 31, USAGE),
    windowTokens: wholeNumber('window-tokens', values['window-tokens'], 10_000, 2_000_000, USAGE),
    latencyMs: wholeNumber('latency-ms', values['latency-ms'], 0, 60_000, USAGE),
    // One memory holds at most 100 kB (MEMORY_LIMITS.contentBytes).
    memoryKb: wholeNumber('memory-kb', values['memory-kb'], 0, 99, USAGE),
    plotFile: values.plot === 'none' ? null : path.resolve(values.plot),
    outFile: values.out ?? path.join(__dirname, 'results', `long-session-${fileTimestamp(new Date())}.json`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The agent, its workspace and the script the model follows
// ---------------------------------------------------------------------------------------------------------------

const FINAL_ANSWER = 'Read them all.';
const BENCH_MODEL = 'scripted-bench';
const COMPACTION_SUMMARY =
  'The user asked the agent to read every data file, one per turn; it has read data/file-1.txt onwards in order.';

function benchAgent(settings: Settings): AgentDefinition {
  return {
    name: 'bench-long',
    model: BENCH_MODEL,
    system: 'Read every data file, one per turn.',
    tools: ['read_file'],
    max_turns: settings.turns + 1, // the reads and the final answer
    max_tokens: 256,
    // Lucid's table gives an unknown model 200,000 tokens; any other scripted window is the agent's override.
    ...(settings.windowTokens === modelContextWindow(BENCH_MODEL) ? {} : { context_window: settings.windowTokens }),
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
    context_window: settings.windowTokens,
    rules: [
      {
        match: { tools_include: 'read_file' },
        times: settings.turns,
        reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'data/file-{{n}}.txt' } }] },
      },
      { match: { tools_include: 'read_file' }, reply: { content: [{ type: 'text', text: FINAL_ANSWER }] } },
      // Compaction's summary call offers no tools; it gets a summary and uses up none of the agent's script.
      { name: 'compaction summary', reply: { content: [{ type: 'text', text: COMPACTION_SUMMARY }] } },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring every request as it goes
// ---------------------------------------------------------------------------------------------------------------

/**
 * Measures each answered `/v1/messages` request with the scripted model's token estimate, then drops its body: the
 * scripted model keeps every request it received, and a thousand bodies of up to a window each would hold
 * gigabytes in this process. Returns the sizes so far and a function that measures the rest and stops.
 */
function measureRequests(model: ScriptedModel): { tokens: number[]; stop: () => void } {
  const tokens: number[] = [];
  let next = 0;
  const measure = (all: boolean) => {
    while (next < model.requests.length && (all || model.requests[next].answered_at !== undefined)) {
      const request = model.requests[next++];
      if (request.path.startsWith('/v1/messages') && !request.path.includes('count_tokens') && request.body)
        tokens.push(countInputTokens(request.body));
      request.body = null;
    }
  };
  const timer = setInterval(() => measure(false), 200);
  return {
    tokens,
    stop: () => {
      clearInterval(timer);
      measure(true);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Running the session
// ---------------------------------------------------------------------------------------------------------------

interface Result {
  failures: { count: number; problems: string[] };
  wall_ms: number;
  turns: number;
  window_tokens: number;
  /** Every `/v1/messages` request the scripted model received, measured with its own estimate. */
  model_requests: number;
  largest_request_tokens: number;
  largest_request_share_of_window: number;
  /** The agent's answered requests, from their reported usage: whole prompt and cache reads, oldest first. */
  input_tokens_per_request: number[];
  cache_read_tokens_per_request: number[];
  /** Requests (1-based, among the answered ones) that came first after a clearing batch or a compaction. */
  batches: ContextSeries['batches'];
  cache_read_share: ContextSeries['cacheReadShare'];
  runs: number;
  continue_as_new_count: number;
  /** Per workflow run, oldest first. */
  history_events_per_run: number[];
  history_bytes_per_run: number[];
  /** All runs' history payload bytes over the tool turns. */
  history_bytes_per_turn: number;
  largest_payload_bytes: number;
  tool_output_bytes: number;
  worker_memory_bytes: MemoryProfile;
  /** Mean time per turn (span start to span start), first and last COMPARED_TURNS turns. */
  per_turn_ms: { first: number; last: number; ratio: number };
  /** Mean time per turn of each block of COMPARED_TURNS turns in order, to tell a trend from noise. */
  per_turn_ms_by_block: number[];
  /** Median turn latency (span start to tool result), first and last COMPARED_TURNS turns. */
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
  const requests = measureRequests(environment.model);
  try {
    const sampler = new MemorySampler(worker.pid, 1000);
    const started = performance.now();
    const sessionId = await environment.lucid.startSession({
      agent: benchAgent(settings),
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
    requests.stop();
    const events = await environment.store.readEvents(sessionId);
    const runs = (await summarizeRuns(environment.lucid.temporal, sessionId)).reverse(); // the server lists newest first
    return summarize(
      { wallMs, events, runs, memory: workerMemory, requestTokens: requests.tokens, snapshot },
      settings,
    );
  } finally {
    requests.stop();
    await worker.stop();
  }
}

/** What the session left behind. */
interface Measurements {
  wallMs: number;
  snapshot: SessionSnapshot;
  events: SessionEvent[];
  /** Workflow runs, oldest first. */
  runs: HistorySummary[];
  memory: MemoryProfile;
  /** Every recorded request's size in tokens, in arrival order. */
  requestTokens: number[];
}

/** Whatever did not go as scripted; a benchmark of the wrong thing is worse than none. */
function failures(measured: Measurements, settings: Settings): string[] {
  const { snapshot, events, requestTokens } = measured;
  const results = events.filter((event) => event.type === 'agent.tool_result');
  const bad = results.filter((event) => event.is_error || event.content[0].text.length !== settings.outputKb * 1024);
  const errors = events.filter((event) => event.type === 'session.error');
  const overWindow = requestTokens.filter((tokens) => tokens > settings.windowTokens);
  return [
    ...errors.map((event) => `session.error: ${event.error.type}: ${event.error.message}`),
    ...(bad.length ? [`${bad.length} tool results failed or have the wrong size`] : []),
    ...(results.length !== settings.turns ? [`${results.length} tool results, expected ${settings.turns}`] : []),
    ...(snapshot.final_message !== FINAL_ANSWER
      ? [
          `the session ended with stop reason ${JSON.stringify(snapshot.stop_reason)}, final message ${JSON.stringify(snapshot.final_message)}`,
        ]
      : []),
    ...(overWindow.length ? [`${overWindow.length} requests over the ${settings.windowTokens}-token window`] : []),
  ];
}

function summarize(measured: Measurements, settings: Settings): Result {
  const { wallMs, events, runs, memory, requestTokens } = measured;
  const problems = failures(measured, settings);
  const turns = toolTurns(events);
  const window = Math.min(COMPARED_TURNS, Math.floor(turns.length / 2));
  const intervals = turnIntervals(turns);
  const first = mean(intervals.slice(0, window));
  const last = mean(intervals.slice(-window));
  const latencies = turnLatencies(turns);
  const series = contextSeries(events);
  const largest = Math.max(0, ...requestTokens);
  return {
    failures: { count: problems.length, problems },
    wall_ms: Math.round(wallMs),
    turns: turns.length,
    window_tokens: settings.windowTokens,
    model_requests: requestTokens.length,
    largest_request_tokens: largest,
    largest_request_share_of_window: largest / settings.windowTokens,
    input_tokens_per_request: series.requests.map((request) => request.prompt),
    cache_read_tokens_per_request: series.requests.map((request) => request.cacheRead),
    batches: series.batches,
    cache_read_share: series.cacheReadShare,
    runs: runs.length,
    continue_as_new_count: runs.length - 1,
    history_events_per_run: runs.map((run) => run.events),
    history_bytes_per_run: runs.map((run) => run.payloadBytes),
    history_bytes_per_turn: Math.round(
      runs.reduce((sum, run) => sum + run.payloadBytes, 0) / Math.max(1, turns.length),
    ),
    largest_payload_bytes: Math.max(0, ...runs.map((run) => run.largestPayloadBytes)),
    tool_output_bytes: events.reduce(
      (sum, event) => sum + (event.type === 'agent.tool_result' ? event.content[0].text.length : 0),
      0,
    ),
    worker_memory_bytes: memory,
    per_turn_ms: { first, last, ratio: last / first },
    per_turn_ms_by_block: blocksOf(intervals, COMPARED_TURNS).map(mean),
    turn_latency_p50_ms: { first: median(latencies.slice(0, window)), last: median(latencies.slice(-window)) },
  };
}

/** Start of each turn to the start of the next (the last turn: to its tool results). */
function turnIntervals(turns: readonly ToolTurn[]): number[] {
  return turns.map(
    (turn, index) => (index + 1 < turns.length ? turns[index + 1].startedAt : turn.resultsAt) - turn.startedAt,
  );
}

function blocksOf<T>(values: readonly T[], size: number): T[][] {
  const blocks: T[][] = [];
  for (let start = 0; start < values.length; start += size) blocks.push(values.slice(start, start + size));
  return blocks;
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
  const tokens = (value: number) => value.toLocaleString('en-US');
  const share = ({ requests, share }: CacheShare) =>
    share === null ? `— (${requests} requests)` : `${(share * 100).toFixed(1)}% (${requests} requests)`;
  const memory = result.worker_memory_bytes;
  const inputs = result.input_tokens_per_request;
  const rows = [
    ['measure', 'value'],
    ['failures', String(result.failures.count)],
    ['wall time', `${(result.wall_ms / 1000).toFixed(1)} s`],
    ['tool turns', String(result.turns)],
    [
      'largest request (of the window)',
      `${tokens(result.largest_request_tokens)} tokens of ${tokens(result.window_tokens)} (${(result.largest_request_share_of_window * 100).toFixed(1)}%)`,
    ],
    [
      'input tokens per request: min / median / max',
      `${tokens(Math.min(...inputs))} / ${tokens(median(inputs))} / ${tokens(Math.max(...inputs))}`,
    ],
    ['clearing batches / compactions', `${result.batches.clearing.length} / ${result.batches.compaction.length}`],
    ['cache-read share before the first batch', share(result.cache_read_share.beforeFirstBatch)],
    ['cache-read share between batches', share(result.cache_read_share.betweenBatches)],
    ['cache-read share at the batches', share(result.cache_read_share.atBatches)],
    ['cache-read share, all requests', share(result.cache_read_share.all)],
    ['workflow runs (continue-as-new count)', `${result.runs} (${result.continue_as_new_count})`],
    ['history events per run', result.history_events_per_run.join(', ')],
    ['history payload bytes per run', result.history_bytes_per_run.map(kb).join(', ')],
    ['history payload bytes per turn', kb(result.history_bytes_per_turn)],
    ['largest payload', kb(result.largest_payload_bytes)],
    ['tool output in total', kb(result.tool_output_bytes)],
    [
      'worker RSS start / peak / end',
      `${formatMegabytes(memory.startBytes)} / ${formatMegabytes(memory.peakBytes)} / ${formatMegabytes(memory.endBytes)}`,
    ],
    [
      `per turn, first / last ${Math.min(COMPARED_TURNS, Math.floor(result.turns / 2))} turns (mean)`,
      `${ms(result.per_turn_ms.first)} / ${ms(result.per_turn_ms.last)} (× ${result.per_turn_ms.ratio.toFixed(2)})`,
    ],
    [
      `per turn by ${COMPARED_TURNS} turns (mean)`,
      result.per_turn_ms_by_block.map((value) => value.toFixed(0)).join(', '),
    ],
    [
      'turn latency p50, first / last',
      `${ms(result.turn_latency_p50_ms.first)} / ${ms(result.turn_latency_p50_ms.last)}`,
    ],
  ];
  return formatTable(rows);
}

/** The input tokens of every request and what of them the cache did not supply, against the window. */
function writePlot(file: string, result: Result, settings: Settings): void {
  const svg = lineChartSvg({
    title: `bench:long: ${result.turns} turns of ${settings.outputKb} kB tool output, input tokens per request`,
    xLabel: 'model request',
    yLabel: 'tokens',
    series: [
      { name: 'input tokens (whole prompt)', points: result.input_tokens_per_request.map((y, i) => [i + 1, y]) },
      {
        name: 'of which not read from the cache',
        points: result.input_tokens_per_request.map((y, i) => [i + 1, y - result.cache_read_tokens_per_request[i]]),
      },
    ],
    marks: [{ label: `context window ${result.window_tokens.toLocaleString('en-US')}`, y: result.window_tokens }],
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, svg);
  console.log(`plot written to ${path.relative(process.cwd(), file)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const log = (line: string) => console.log(`[bench] ${line}`);
  const memoryNote = settings.memoryKb ? `, with a ${settings.memoryKb} kB memory block` : '';
  log(
    `${settings.turns} turns reading ${settings.outputKb} kB each${memoryNote} under a ${settings.windowTokens}-token window; ` +
      `the model answers after ${settings.latencyMs} ms`,
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
  if (settings.plotFile && result.input_tokens_per_request.length) writePlot(settings.plotFile, result, settings);
  writeReport(settings.outFile, {
    benchmark: 'long-session',
    created_at: new Date().toISOString(),
    settings: {
      turns: settings.turns,
      output_kb: settings.outputKb,
      window_tokens: settings.windowTokens,
      latency_ms: settings.latencyMs,
      memory_kb: settings.memoryKb,
      compared_turns: COMPARED_TURNS,
    },
    machine: describeMachine(),
    runtime_ms: Math.round(performance.now() - began),
    result,
  });
  if (result.failures.count > 0)
    throw new Error(`${result.failures.count} failures:\n- ${result.failures.problems.join('\n- ')}`);
}

runBenchmark(main);
