/**
 * How one worker copes with many sessions at once: throughput, turn latency, memory and failures at rising load.
 *
 *   npm run bench:concurrency -- [--levels 1,50,200,500] [--turns 10] [--latency-ms 200]
 *                                [--compare sdk-defaults] [--store filesystem|postgres|both] [--workers 1,2]
 *                                [--timeout-minutes 20] [--out FILE]
 *
 * At each level N, N sessions start at once on one worker and run T turns each. A turn is one model request
 * (answered by the scripted model after L ms with one small `write_file` call) and that tool call; the agent's
 * max_turns is T, so each session ends after its T-th tool call with stop reason `max_turns_reached`.
 *
 *   turn latency  = agent.tool_result.processed_at − span.model_request_start.processed_at
 *
 * from the session's stored events; `processed_at` is workflow time, the moment of the workflow task that emitted
 * the event. So a turn runs from the workflow task that decides to call the model to the one that receives the
 * tool's result, and includes persisting the events, the model activity (transcript rebuilt from the store, the
 * request, L), the tool activity, and every wait for a task slot in between; the ideal is L.
 *
 *   completed turns per second = N × T / wall time (first start → last result)
 *
 * Each level runs on a fresh worker in a child process (bench/lib/worker-process.ts) whose memory is sampled from
 * /proc: resident memory when it is ready, at its peak (VmHWM) and at the end, once all N sessions finished.
 * CPU seconds of the worker, the dev server and this process (client and scripted model) say which one was busy;
 * schedule-to-start waits from the histories say whether tasks queued for the worker's slots. A failure is a
 * session that failed, timed out, stopped for another reason than max_turns_reached, or logged a session.error or
 * a failed tool call; the benchmark exits 1 if there is any.
 *
 * The worker runs with src/worker.ts's settings (plus any LUCID_* overrides in this process's environment). At
 * the largest level the same load also runs with each `--compare` configuration, alternating with src/worker.ts's
 * settings, so the two are measured side by side on the same machine and minute: `sdk-defaults` (the Temporal
 * SDK's own values) or overrides such as `LUCID_MAX_CONCURRENT_ACTIVITIES=100+LUCID_ACTIVITY_POLLERS=4`.
 *
 * `--store postgres` runs the workers on a throwaway PostgreSQL (LUCID_DATABASE_URL) instead of the data directory;
 * `both` runs each level on one store and then the other, side by side. `--workers 1,2` runs each level with one
 * worker process and then with two on the same task queue (their CPU and memory summed). On PostgreSQL the
 * workers reach the database through a meter (bench/lib/database-meter.ts): statements, bytes each way and WAL
 * bytes per turn, the most connections in use, and the database's CPU (the postmaster and its backends).
 */
import type { WorkflowHandle } from '@temporalio/client';
import os from 'node:os';
import path from 'node:path';
import type { AgentDefinition } from '../src/domain/agent-definition';
import type { SessionEvent, SessionSnapshot } from '../src/domain/events';
import type { Scenario } from '../src/scripted-model/scenario';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../scripts/lib/throwaway-postgres';
import { openStorage, type Storage } from '../src/storage/open-storage';
import type { SessionStore } from '../src/storage/session-store';
import { mapConcurrently } from './lib/concurrency';
import { perUnit, startDatabaseMeter, type DatabaseLoad, type DatabaseMeter } from './lib/database-meter';
import {
  describeMachine,
  fileTimestamp,
  readBenchOptions,
  runBenchmark,
  wholeNumber,
  wholeNumberList,
  writeReport,
} from './lib/options';
import { startProcessEnvironment, type ProcessEnvironment } from './lib/process-environment';
import {
  formatMegabytes,
  MemorySampler,
  readCpuSeconds,
  readProcessTreeCpuSeconds,
  type MemoryProfile,
} from './lib/process-stats';
import { percentile } from './lib/statistics';
import { formatTable } from './lib/table';
import { taskWaits } from './lib/task-waits';
import { toolTurns, turnLatencies } from './lib/turn-timing';
import { formatWorkerConcurrency, type WorkerConcurrency } from './lib/worker-concurrency';
import type { WorkerProcess } from './lib/worker-process';

// ---------------------------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------------------------

const USAGE =
  'usage: npm run bench:concurrency -- [--levels 1,50,200,500] [--turns 10] [--latency-ms 200] ' +
  '[--compare sdk-defaults|none|LUCID_X=n+LUCID_Y=m,...] [--store filesystem|postgres|both] [--workers 1,2] ' +
  '[--timeout-minutes 20] [--out FILE]';

type StoreName = 'filesystem' | 'postgres';

/** A worker configuration: a name and the environment overrides that make it. */
interface Configuration {
  name: string;
  overrides: Record<string, string>;
}

/** src/worker.ts as it stands (its defaults and this process's LUCID_* environment). */
const LUCID_SETTINGS: Configuration = { name: 'src/worker.ts', overrides: {} };

/** The Temporal SDK 1.24's own defaults (the sticky cache is left to the SDK either way). */
const SDK_DEFAULTS: Configuration = {
  name: 'sdk-defaults',
  overrides: {
    LUCID_MAX_CONCURRENT_ACTIVITIES: '100',
    LUCID_MAX_CONCURRENT_WORKFLOW_TASKS: '40',
    LUCID_ACTIVITY_POLLERS: '10',
    LUCID_WORKFLOW_TASK_POLLERS: '10',
  },
};

interface Settings {
  levels: number[];
  turns: number;
  /** L: how long the scripted model takes to answer each request. */
  latencyMs: number;
  /** Run at the largest level next to src/worker.ts's settings. */
  compare: Configuration[];
  /** The workers' stores, each level run on each. */
  stores: StoreName[];
  /** Worker processes per run, each level run with each count. */
  workers: number[];
  /** A run still going after this long counts its unfinished sessions as failures. */
  timeoutMs: number;
  outFile: string;
}

function readSettings(argv: string[]): Settings {
  const values = readBenchOptions(
    argv,
    {
      levels: '1,50,200,500',
      turns: '10',
      'latency-ms': '200',
      compare: 'sdk-defaults',
      store: 'filesystem',
      workers: '1',
      'timeout-minutes': '20',
    },
    USAGE,
  );
  const stores: Record<string, StoreName[]> = {
    filesystem: ['filesystem'],
    postgres: ['postgres'],
    both: ['filesystem', 'postgres'],
  };
  if (!(values.store in stores)) throw new Error(`--store takes filesystem, postgres or both\n${USAGE}`);
  return {
    levels: wholeNumberList('levels', values.levels, 1, 5_000, USAGE),
    turns: wholeNumber('turns', values.turns, 1, 1_000, USAGE),
    latencyMs: wholeNumber('latency-ms', values['latency-ms'], 0, 60_000, USAGE),
    compare: values.compare === 'none' ? [] : values.compare.split(',').map((spec) => parseConfiguration(spec.trim())),
    stores: stores[values.store],
    workers: wholeNumberList('workers', values.workers, 1, 8, USAGE),
    timeoutMs: wholeNumber('timeout-minutes', values['timeout-minutes'], 1, 600, USAGE) * 60_000,
    outFile: values.out ?? path.join(__dirname, 'results', `concurrency-${fileTimestamp(new Date())}.json`),
  };
}

/** `sdk-defaults`, or overrides joined by `+`: `LUCID_MAX_CONCURRENT_ACTIVITIES=100+LUCID_ACTIVITY_POLLERS=4`. */
function parseConfiguration(spec: string): Configuration {
  if (spec === SDK_DEFAULTS.name) return SDK_DEFAULTS;
  const overrides: Record<string, string> = {};
  for (const part of spec.split('+')) {
    const match = /^(LUCID_[A-Z_]+)=(\d+)$/.exec(part);
    if (!match) throw new Error(`--compare: "${part}" is neither sdk-defaults nor LUCID_NAME=number\n${USAGE}`);
    overrides[match[1]] = match[2];
  }
  return { name: spec, overrides };
}

// ---------------------------------------------------------------------------------------------------------------
// The agent and the script the model follows
// ---------------------------------------------------------------------------------------------------------------

function benchAgent(turns: number): AgentDefinition {
  return {
    name: 'bench-concurrency',
    model: 'scripted-bench',
    system: 'Write the notes you are asked for, one file per turn.',
    tools: ['write_file'],
    max_turns: turns, // the session ends after its last tool call: every model request is a measured turn
    max_tokens: 256,
  };
}

/** Every request, whichever session sends it, is answered after L with one small write_file call. */
function concurrencyScenario(latencyMs: number): Scenario {
  return {
    description: 'bench/concurrency.ts: every turn writes one small file, at a fixed latency',
    default_delay_ms: latencyMs,
    rules: [
      {
        reply: {
          content: [
            {
              type: 'tool_use',
              name: 'write_file',
              input: { path: 'notes/note-{{n}}.md', content: 'Note {{n}}: all quiet.\n' },
            },
          ],
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The stores
// ---------------------------------------------------------------------------------------------------------------

/** Where a run's workers keep their data, and how the benchmark reads it back. */
interface StoreSetup {
  name: StoreName;
  /** The workers' environment for this store. */
  env: Record<string, string>;
  /** Reads the sessions' events (on PostgreSQL directly, not through the meter, so the reads are not counted). */
  sessions: SessionStore;
  postgres?: { server: ThrowawayPostgres; meter: DatabaseMeter; storage: Storage };
}

async function openStores(names: StoreName[], environment: ProcessEnvironment): Promise<StoreSetup[]> {
  const setups: StoreSetup[] = [];
  for (const name of names) {
    if (name === 'filesystem') {
      setups.push({ name, env: {}, sessions: environment.store });
      continue;
    }
    const server = await startThrowawayPostgres();
    const url = await server.createDatabase('lucid_bench');
    const meter = await startDatabaseMeter(url);
    const storage = openStorage({ dataDir: environment.dataDir, database: { url, poolSize: 10 } });
    await storage.ready(); // migrated before the first measured run
    setups.push({
      name,
      env: { LUCID_DATABASE_URL: meter.url },
      sessions: storage.sessions,
      postgres: { server, meter, storage },
    });
  }
  return setups;
}

async function closeStores(setups: StoreSetup[]): Promise<void> {
  for (const { postgres } of setups) {
    if (!postgres) continue;
    await postgres.storage.close().catch(() => {});
    await postgres.meter.close().catch(() => {});
    postgres.server.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One run: N sessions at once on a fresh worker
// ---------------------------------------------------------------------------------------------------------------

/** How each session of a run ended: its events, or why it failed. */
type SessionEnd = { sessionId: string; events: SessionEvent[]; failure: string | null };

interface RunResult {
  configuration: string;
  store: StoreName;
  worker_processes: number;
  sessions: number;
  failures: number;
  /** Up to five failures, with their reasons. */
  failure_examples: string[];
  wall_ms: number;
  completed_turns: number;
  turns_per_second: number;
  turn_latency_ms: { p50: number; p90: number; p99: number; max: number };
  /** As the scripted model saw it: arrival to answer sent (L plus its own delays under load). */
  model_latency_ms: { p50: number; p99: number };
  /** Schedule-to-start, from the histories. */
  queue_wait_ms: { activity: { p50: number; p99: number }; workflow_task: { p50: number; p99: number } };
  /** Summed over the worker processes. */
  worker_memory_bytes: MemoryProfile;
  /** `database`: the PostgreSQL server, its backends included (0 on the filesystem store). */
  cpu_seconds: { worker: number; dev_server: number; bench_process: number; database: number };
  worker: WorkerConcurrency;
  /** PostgreSQL only: the whole run's load, and per completed turn. */
  database: (DatabaseLoad & { per_turn: ReturnType<typeof perUnit> }) | null;
}

/** One run's setup: what it runs with, on which store, with how many workers. */
interface RunSetup {
  configuration: Configuration;
  store: StoreSetup;
  workers: number;
}

async function runLevel(
  environment: ProcessEnvironment,
  settings: Settings,
  setup: RunSetup,
  sessions: number,
  runId: string,
): Promise<RunResult> {
  const workers: WorkerProcess[] = [];
  try {
    for (let index = 0; index < setup.workers; index++)
      workers.push(await environment.startWorker({ ...setup.configuration.overrides, ...setup.store.env }));
    return await measureRun(environment, workers, settings, setup, sessions, runId);
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

async function measureRun(
  environment: ProcessEnvironment,
  workers: WorkerProcess[],
  settings: Settings,
  setup: RunSetup,
  sessions: number,
  runId: string,
): Promise<RunResult> {
  const ids = Array.from({ length: sessions }, (_, index) => `conc-${runId}-${index + 1}`);
  const firstRequest = environment.model.requests.length;
  const memory = workers.map((worker) => new MemorySampler(worker.pid));
  const metering = await setup.store.postgres?.meter.begin();
  const cpuBefore = cpuSeconds(environment, workers, setup.store);
  const started = performance.now();
  const ends = await runSessions(environment, workers, settings, setup.store, ids);
  const wallMs = performance.now() - started;
  const cpuAfter = cpuSeconds(environment, workers, setup.store);
  const database = await metering?.end();
  const workerMemory = sumMemory(memory.map((sampler) => sampler.stop()));
  const requests = environment.model.requests.slice(firstRequest);
  const latencies = ends.flatMap((end) => turnLatencies(toolTurns(end.events)));
  const waits = await queueWaits(environment, ids);
  const failures = ends.filter((end) => end.failure !== null);
  return {
    configuration: setup.configuration.name,
    store: setup.store.name,
    worker_processes: workers.length,
    sessions,
    failures: failures.length,
    failure_examples: failures.slice(0, 5).map((end) => `${end.sessionId}: ${end.failure}`),
    wall_ms: Math.round(wallMs),
    completed_turns: latencies.length,
    turns_per_second: latencies.length / (wallMs / 1000),
    turn_latency_ms: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
    },
    model_latency_ms: modelLatency(
      requests.map((request) => (request.answered_at ?? Number.NaN) - request.received_at),
    ),
    queue_wait_ms: waits,
    worker_memory_bytes: workerMemory,
    cpu_seconds: {
      worker: round1(cpuAfter.worker - cpuBefore.worker),
      dev_server: round1(cpuAfter.server - cpuBefore.server),
      bench_process: round1(cpuAfter.bench - cpuBefore.bench),
      database: round1(cpuAfter.database - cpuBefore.database),
    },
    worker: workers[0].concurrency,
    database: database ? { ...database, per_turn: perUnit(database, Math.max(1, latencies.length)) } : null,
  };
}

function sumMemory(profiles: MemoryProfile[]): MemoryProfile {
  const sum = (key: keyof MemoryProfile) => profiles.reduce((total, profile) => total + profile[key], 0);
  return {
    startBytes: sum('startBytes'),
    peakBytes: sum('peakBytes'),
    endBytes: sum('endBytes'),
    meanBytes: sum('meanBytes'),
  };
}

/** Starts every session at once and waits for all of them; a worker that dies stops the benchmark. */
async function runSessions(
  environment: ProcessEnvironment,
  workers: WorkerProcess[],
  settings: Settings,
  store: StoreSetup,
  ids: string[],
): Promise<SessionEnd[]> {
  const agent = benchAgent(settings.turns);
  const deadline = Date.now() + settings.timeoutMs;
  const workerDied = Promise.race(workers.map((worker) => worker.exited)).then((output) =>
    Promise.reject(new Error(`a worker exited during the run:\n${output}`)),
  );
  // Starting is a quick request each; a few dozen in flight keep the server busy without queueing thousands.
  const starting = mapConcurrently(ids, 50, (sessionId) =>
    environment.lucid.startSession({ sessionId, agent, message: `Write ${settings.turns} short notes, one per turn.` }),
  );
  await Promise.race([starting, workerDied]);
  const ending = Promise.all(
    ids.map((sessionId) => awaitSession(environment, settings, store.sessions, sessionId, deadline)),
  );
  return Promise.race([ending, workerDied]);
}

/** The session's result, checked against the script; a session still running at the deadline is terminated. */
async function awaitSession(
  environment: ProcessEnvironment,
  settings: Settings,
  store: SessionStore,
  sessionId: string,
  deadline: number,
): Promise<SessionEnd> {
  const handle: WorkflowHandle = environment.lucid.temporal.workflow.getHandle(sessionId);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()))),
  );
  try {
    const outcome = await Promise.race([handle.result() as Promise<SessionSnapshot>, timedOut]);
    const events = await store.readEvents(sessionId);
    if (outcome === 'timeout') {
      await handle.terminate('bench/concurrency.ts: timed out').catch(() => {});
      return { sessionId, events, failure: `still running after ${settings.timeoutMs / 60_000} minutes` };
    }
    return { sessionId, events, failure: checkSession(outcome, events, settings.turns) };
  } catch (error) {
    const events = await store.readEvents(sessionId).catch(() => []);
    return { sessionId, events, failure: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Null if the session ran its turns as scripted, else what went wrong. */
function checkSession(snapshot: SessionSnapshot, events: SessionEvent[], turns: number): string | null {
  const errors = events.filter((event) => event.type === 'session.error');
  if (errors.length > 0) return `${errors.length} session.error events, the first: ${JSON.stringify(errors[0])}`;
  const failedTools = events.filter((event) => event.type === 'agent.tool_result' && event.is_error);
  if (failedTools.length > 0)
    return `${failedTools.length} failed tool calls, the first: ${JSON.stringify(failedTools[0])}`;
  if (snapshot.stop_reason?.type !== 'max_turns_reached' || snapshot.turns !== turns) {
    return `stopped with ${JSON.stringify(snapshot.stop_reason)} after ${snapshot.turns} of ${turns} turns`;
  }
  if (toolTurns(events).length !== turns) return `${toolTurns(events).length} tool turns in the log, expected ${turns}`;
  return null;
}

function cpuSeconds(
  environment: ProcessEnvironment,
  workers: WorkerProcess[],
  store: StoreSetup,
): { worker: number; server: number; bench: number; database: number } {
  const own = process.cpuUsage();
  return {
    worker: workers.reduce((sum, worker) => sum + readCpuSeconds(worker.pid), 0),
    server: readCpuSeconds(environment.serverPid),
    bench: (own.user + own.system) / 1e6,
    database: store.postgres ? readProcessTreeCpuSeconds(store.postgres.server.pid()) : 0,
  };
}

/** Schedule-to-start waits over every session's history (sessions this short never continue-as-new). */
async function queueWaits(environment: ProcessEnvironment, ids: string[]): Promise<RunResult['queue_wait_ms']> {
  const activity: number[] = [];
  const workflowTask: number[] = [];
  await mapConcurrently(ids, 20, async (sessionId) => {
    const history = await environment.lucid.temporal.workflow.getHandle(sessionId).fetchHistory();
    const waits = taskWaits(history.events ?? []);
    activity.push(...waits.activityMs);
    workflowTask.push(...waits.workflowTaskMs);
  });
  return {
    activity: { p50: percentile(activity, 50), p99: percentile(activity, 99) },
    workflow_task: { p50: percentile(workflowTask, 50), p99: percentile(workflowTask, 99) },
  };
}

function modelLatency(values: number[]): RunResult['model_latency_ms'] {
  const answered = values.filter((value) => Number.isFinite(value));
  return { p50: percentile(answered, 50), p99: percentile(answered, 99) };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

// ---------------------------------------------------------------------------------------------------------------
// The plan: every level with src/worker.ts's settings, then the largest level with each comparison
// ---------------------------------------------------------------------------------------------------------------

interface PlannedRun {
  configuration: Configuration;
  store: StoreName;
  workers: number;
  sessions: number;
}

/**
 * The levels in rising order with src/worker.ts's settings, each with every worker count on every store in turn
 * (neighbours, so drift on a busy machine touches all alike); then, at the largest level on the first worker count,
 * each comparison followed by src/worker.ts's settings once more, so every comparison has a neighbour run of the
 * chosen settings. A comparison runs on the first store, except one that overrides a LUCID_DATABASE_* setting: it
 * runs on PostgreSQL, the only store that reads it.
 */
function planRuns(settings: Settings): PlannedRun[] {
  const top = Math.max(...settings.levels);
  const workers = settings.workers[0];
  const runs = [...settings.levels]
    .sort((a, b) => a - b)
    .flatMap((sessions) =>
      settings.workers.flatMap((count) =>
        settings.stores.map((name) => ({ configuration: LUCID_SETTINGS, store: name, workers: count, sessions })),
      ),
    );
  for (const configuration of settings.compare) {
    const store = comparisonStore(configuration, settings.stores);
    runs.push(
      { configuration, store, workers, sessions: top },
      { configuration: LUCID_SETTINGS, store, workers, sessions: top },
    );
  }
  return runs;
}

function comparisonStore(configuration: Configuration, stores: StoreName[]): StoreName {
  const readsDatabase = Object.keys(configuration.overrides).some((name) => name.startsWith('LUCID_DATABASE_'));
  return readsDatabase && stores.includes('postgres') ? 'postgres' : stores[0];
}

// ---------------------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------------------

function renderTable(results: RunResult[], cores: number): string {
  const ms = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—');
  const mb = (bytes: number) => formatMegabytes(bytes).replace(' MB', '');
  const header = [
    'worker settings',
    'store',
    'workers',
    'sessions',
    'failures',
    'wall s',
    'turns/s',
    'turn p50 ms',
    'turn p99 ms',
    'model p50 ms',
    'act wait p50/p99 ms',
    'wft wait p50/p99 ms',
    'RSS start/peak/end MB',
    'CPU cores: worker/server/bench/db',
    'DB stmts/turn',
    'DB kB/turn to/from',
    'WAL kB/turn',
    'DB conns max',
  ];
  const rows = results.map((result) => {
    const seconds = result.wall_ms / 1000;
    const cpu = result.cpu_seconds;
    const database = result.database;
    const kb = (bytes: number) => (bytes / 1024).toFixed(1);
    return [
      result.configuration,
      result.store,
      String(result.worker_processes),
      String(result.sessions),
      String(result.failures),
      (result.wall_ms / 1000).toFixed(1),
      result.turns_per_second.toFixed(1),
      ms(result.turn_latency_ms.p50),
      ms(result.turn_latency_ms.p99),
      ms(result.model_latency_ms.p50),
      `${ms(result.queue_wait_ms.activity.p50)} / ${ms(result.queue_wait_ms.activity.p99)}`,
      `${ms(result.queue_wait_ms.workflow_task.p50)} / ${ms(result.queue_wait_ms.workflow_task.p99)}`,
      `${mb(result.worker_memory_bytes.startBytes)} / ${mb(result.worker_memory_bytes.peakBytes)} / ${mb(result.worker_memory_bytes.endBytes)}`,
      `${(cpu.worker / seconds).toFixed(2)} / ${(cpu.dev_server / seconds).toFixed(2)} / ${(cpu.bench_process / seconds).toFixed(2)} / ${(cpu.database / seconds).toFixed(2)} of ${cores}`,
      database ? String(database.per_turn.statements) : '—',
      database ? `${kb(database.per_turn.bytes_to_database)} / ${kb(database.per_turn.bytes_from_database)}` : '—',
      database ? kb(database.per_turn.wal_bytes) : '—',
      database ? `${database.max_backends} (${database.max_connections} open)` : '—',
    ];
  });
  return formatTable([header, ...rows]);
}

function printLegend(settings: Settings): void {
  console.log(
    `turn: span.model_request_start → agent.tool_result by workflow time (ideal ${settings.latencyMs} ms = L); turns/s: sessions × ${settings.turns} / wall.\n` +
      "model: the scripted model's arrival → answer; act/wft wait: schedule-to-start of activity / workflow tasks (from histories).\n" +
      "RSS: the worker processes' resident memory (summed) when ready / peak (VmHWM) / after the last session; CPU cores: CPU seconds ÷ wall.\n" +
      'DB (PostgreSQL store): statements and TCP bytes at the wire, WAL bytes, per completed turn; conns: most Lucid backends in pg_stat_activity (most connections open through the meter).',
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const log = (line: string) => console.log(`[bench] ${line}`);
  const plan = planRuns(settings);
  log(
    `L = ${settings.latencyMs} ms per model request; ${settings.turns} turns per session; levels ${settings.levels.join(', ')}; ` +
      `compared at ${Math.max(...settings.levels)} sessions: ${settings.compare.map((c) => c.name).join(', ') || 'nothing'}; ${plan.length} runs`,
  );
  const began = performance.now();
  const environment = await startProcessEnvironment(concurrencyScenario(settings.latencyMs), log);
  const results: RunResult[] = [];
  const runId = Date.now().toString(36);
  try {
    const stores = await openStores(settings.stores, environment);
    try {
      for (const [index, run] of plan.entries()) {
        const store = stores.find((setup) => setup.name === run.store)!;
        const setup = { configuration: run.configuration, store, workers: run.workers };
        const result = await runLevel(environment, settings, setup, run.sessions, `${runId}-${index + 1}`);
        results.push(result);
        log(
          `run ${index + 1} of ${plan.length}: ${run.sessions} sessions, ${run.configuration.name} (${formatWorkerConcurrency(result.worker)}), ` +
            `${run.store}, ${run.workers} worker${run.workers > 1 ? 's' : ''}: ` +
            `${result.turns_per_second.toFixed(1)} turns/s, turn p50 ${Math.round(result.turn_latency_ms.p50)} ms, ${result.failures} failures`,
        );
      }
    } finally {
      await closeStores(stores);
    }
  } finally {
    await environment.close();
  }
  console.log(`\n${renderTable(results, os.cpus().length)}\n`);
  printLegend(settings);
  writeResults(settings, results, performance.now() - began);
  const failures = results.reduce((sum, result) => sum + result.failures, 0);
  if (failures > 0) {
    for (const result of results) for (const example of result.failure_examples) console.error(`failure: ${example}`);
    console.error(`${failures} sessions failed`);
    process.exit(1);
  }
}

function writeResults(settings: Settings, results: RunResult[], runtimeMs: number): void {
  writeReport(settings.outFile, {
    benchmark: 'concurrency',
    created_at: new Date().toISOString(),
    settings: {
      levels: settings.levels,
      turns: settings.turns,
      latency_ms: settings.latencyMs,
      compare: settings.compare,
      stores: settings.stores,
      worker_processes: settings.workers,
      timeout_ms: settings.timeoutMs,
      scheduling: 'each run: fresh workers in child processes; all sessions started at once; runs one after another',
    },
    machine: describeMachine(),
    definitions: {
      turn_latency: 'agent.tool_result.processed_at − span.model_request_start.processed_at (workflow time)',
      turns_per_second: 'tool turns completed / wall time from the first start to the last result',
      failure:
        'failed or timed-out session, a stop other than max_turns_reached, a session.error or a failed tool call',
    },
    runtime_ms: Math.round(runtimeMs),
    results,
  });
}

runBenchmark(main);
