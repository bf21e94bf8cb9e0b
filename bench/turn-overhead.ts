/**
 * What durability costs per turn: a Lucid session's wall time per turn against two floors measured in the same
 * run.
 *
 *   npm run bench:turns -- [--turns 20] [--latency-ms 0] [--sessions 10] [--warmup 2] [--postgres] [--out FILE]
 *
 * The scripted model answers at once by default (`--latency-ms` gives it a latency L, and the floor's model
 * stand-in waits as long), so what is left is orchestration. A session of T turns makes
 * T model requests; each but the last asks for one small `write_file`. Three ways to run it, interleaved round
 * by round (one at a time, so they never compete for the CPU, and drift on a noisy machine touches all alike):
 *
 *   lucid        `agentSession` on the Lucid worker: the real thing.
 *   temporal     the Temporal floor (bench/lib/floor): a minimal workflow running the same number of no-op
 *                activities, one where Lucid calls the model and one where it runs the tool (2T − 1), with the
 *                same activity options, server and worker settings. What Temporal itself costs.
 *   in-process   the in-process floor (bench/lib/in-process-loop.ts): the same loop calling the same activity
 *                functions (model request over HTTP, tool, event store) directly, without Temporal.
 *   lucid on postgres   with --postgres: `agentSession` again, on a second Lucid worker whose every store is a
 *                throwaway PostgreSQL on loopback (LUCID_DATABASE_URL's backend) instead of the data directory.
 *
 *   ratio to temporal floor   = per-turn(lucid) / per-turn(temporal)      the number to drive toward 1.0
 *   ratio to in-process floor = per-turn(lucid) / per-turn(in-process)    the whole price of durability
 *
 * Each Lucid session's history is read back to say where the time goes: workflow tasks, activities by type,
 * local activities, events and payload bytes per session. With --postgres, each PostgreSQL session is also metered
 * at the database (bench/lib/database-meter.ts): statements, bytes each way and WAL bytes per turn, and the most
 * connections in use.
 */
import { Worker } from '@temporalio/worker';
import path from 'node:path';
import { createActivities } from '../src/activities';
import { ShellPool } from '../src/shell/shell-pool';
import { shellSettings } from '../src/shell/shell-settings';
import { openStorage } from '../src/storage/open-storage';
import type { LucidClient } from '../src/client';
import { startThrowawayPostgres } from '../scripts/lib/throwaway-postgres';
import { createAnthropicClient } from '../src/activities/model';
import type { AgentDefinition } from '../src/domain/agent-definition';
import type { Scenario } from '../src/scripted-model/scenario';
import { workerOptionsOf, workerSettings } from '../src/worker-settings';
import { perUnit, startDatabaseMeter, type DatabaseLoad, type DatabaseMeter } from './lib/database-meter';
import { startBenchEnvironment, type BenchEnvironment } from './lib/environment';
import * as floorActivities from './lib/floor/activities';
import { countActivities, summarizeRuns, type HistorySummary } from './lib/history';
import { runInProcessLoop } from './lib/in-process-loop';
import {
  describeMachine,
  fileTimestamp,
  readBenchOptions,
  runBenchmark,
  wholeNumber,
  writeReport,
} from './lib/options';
import { median, percentile } from './lib/statistics';
import { formatTable } from './lib/table';
import { formatWorkerConcurrency } from './lib/worker-concurrency';

const USAGE =
  'usage: npm run bench:turns -- [--turns 20] [--latency-ms 0] [--sessions 10] [--warmup 2] [--postgres] [--out FILE]';

interface Settings {
  turns: number;
  /** How long the scripted model (and the floor's model stand-in) takes to answer. */
  latencyMs: number;
  /** Measured runs of each configuration. */
  sessions: number;
  /** Rounds run first and not measured (cold caches, JIT). */
  warmupRounds: number;
  /** Also run Lucid on the PostgreSQL store. */
  postgres: boolean;
  outFile: string;
}

function readSettings(argv: string[]): Settings {
  const postgres = argv.includes('--postgres');
  const values = readBenchOptions(
    argv.filter((arg) => arg !== '--postgres'),
    { turns: '20', 'latency-ms': '0', sessions: '10', warmup: '2' },
    USAGE,
  );
  return {
    turns: wholeNumber('turns', values.turns, 2, 1_000, USAGE),
    latencyMs: wholeNumber('latency-ms', values['latency-ms'], 0, 60_000, USAGE),
    sessions: wholeNumber('sessions', values.sessions, 1, 1_000, USAGE),
    warmupRounds: wholeNumber('warmup', values.warmup, 0, 100, USAGE),
    postgres,
    outFile:
      values.out ?? path.join(__dirname, 'results', `turns-L${values['latency-ms']}-${fileTimestamp(new Date())}.json`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The agent, its script and the floor's worker
// ---------------------------------------------------------------------------------------------------------------

const FLOOR_TASK_QUEUE = 'lucid-bench-floor';

function benchAgent(turns: number): AgentDefinition {
  return {
    name: 'turn-bench',
    model: 'scripted-instant',
    system: 'Write one note per turn.',
    tools: ['write_file'],
    max_turns: turns,
    max_tokens: 256,
  };
}

/** T − 1 tool turns, then the answer. Set afresh before every session, which resets the `times` count. */
function turnScenario(turns: number, latencyMs: number): Scenario {
  return {
    description: 'bench/turn-overhead.ts: one write_file per turn',
    default_delay_ms: latencyMs,
    rules: [
      {
        times: turns - 1,
        reply: {
          content: [
            { type: 'tool_use', name: 'write_file', input: { path: 'notes/turn-{{n}}.txt', content: 'note {{n}}\n' } },
          ],
        },
      },
      { reply: { content: [{ type: 'text', text: 'All notes written.' }] } },
    ],
  };
}

/** The floor's worker: on the same server, with the concurrency settings the Lucid worker runs with. */
async function startFloorWorker(environment: BenchEnvironment): Promise<() => Promise<void>> {
  const worker = await Worker.create({
    connection: environment.nativeConnection,
    taskQueue: FLOOR_TASK_QUEUE,
    workflowsPath: require.resolve('./lib/floor/workflow'),
    activities: floorActivities,
    ...workerOptionsOf(workerSettings()),
  });
  const running = worker.run();
  return async () => {
    worker.shutdown();
    await running;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Running the three configurations
// ---------------------------------------------------------------------------------------------------------------

type ConfigurationName = 'lucid' | 'temporal floor' | 'in-process floor' | 'lucid on postgres';
const BASE_CONFIGURATIONS: readonly ConfigurationName[] = ['lucid', 'temporal floor', 'in-process floor'];

interface Sample {
  wallMs: number;
  /** Lucid sessions only: what the history says the session took. */
  history?: HistorySummary;
  /** Lucid on PostgreSQL only: what the session asked of the database. */
  database?: DatabaseLoad;
}

interface Runner {
  environment: BenchEnvironment;
  settings: Settings;
  activities: ReturnType<typeof createActivities>;
  /** The client of the worker on PostgreSQL, and the meter in front of its database, with --postgres. */
  onPostgres?: { lucid: LucidClient; meter: DatabaseMeter };
  configurations: readonly ConfigurationName[];
  runId: string;
}

async function runOnce(runner: Runner, configuration: ConfigurationName, id: string): Promise<Sample> {
  const { environment, settings } = runner;
  const agent = benchAgent(settings.turns);
  environment.model.setScenario(turnScenario(settings.turns, settings.latencyMs));
  const started = performance.now();
  if (configuration === 'lucid' || configuration === 'lucid on postgres') {
    const onPostgres = configuration === 'lucid on postgres' ? runner.onPostgres! : undefined;
    const lucid = onPostgres?.lucid ?? environment.lucid;
    const metering = await onPostgres?.meter.begin();
    await lucid.startSession({ sessionId: id, agent, message: 'Write the notes.' });
    const snapshot = await lucid.result(id);
    const wallMs = performance.now() - started;
    const database = await metering?.end();
    if (snapshot.turns !== settings.turns)
      throw new Error(`session ${id} made ${snapshot.turns} model requests, not ${settings.turns}`);
    const runs = await summarizeRuns(lucid.temporal, id);
    if (runs.length !== 1) throw new Error(`session ${id} continued-as-new; use fewer turns`);
    return { wallMs, history: runs[0], ...(database ? { database } : {}) };
  }
  if (configuration === 'temporal floor') {
    const activitiesRun = await environment.lucid.temporal.workflow.execute('temporalFloor', {
      workflowId: id,
      taskQueue: FLOOR_TASK_QUEUE,
      args: [settings.turns, settings.latencyMs],
    });
    if (activitiesRun !== 2 * settings.turns - 1) throw new Error(`floor ${id} ran ${activitiesRun} activities`);
    return { wallMs: performance.now() - started };
  }
  const requests = await runInProcessLoop(runner.activities, agent, id, 'Write the notes.');
  if (requests !== settings.turns)
    throw new Error(`in-process loop ${id} made ${requests} model requests, not ${settings.turns}`);
  return { wallMs: performance.now() - started };
}

async function runAllRounds(runner: Runner, log: (line: string) => void): Promise<Map<ConfigurationName, Sample[]>> {
  const { settings } = runner;
  const samples = new Map(runner.configurations.map((name) => [name, [] as Sample[]]));
  const rounds = settings.warmupRounds + settings.sessions;
  for (let round = 0; round < rounds; round++) {
    const warmup = round < settings.warmupRounds;
    const perTurn: string[] = [];
    for (const [index, configuration] of runner.configurations.entries()) {
      const sample = await runOnce(runner, configuration, `turns-${runner.runId}-r${round}-c${index}`);
      if (!warmup) samples.get(configuration)!.push(sample);
      perTurn.push(`${configuration} ${(sample.wallMs / settings.turns).toFixed(1)} ms/turn`);
    }
    log(
      `${warmup ? 'warm-up round' : `round ${round - settings.warmupRounds + 1} of ${settings.sessions}`}: ${perTurn.join(', ')}`,
    );
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------------------

interface ConfigurationResult {
  configuration: ConfigurationName;
  per_turn_ms: { median: number; p90: number; min: number };
  ratio_to_temporal_floor: number;
  ratio_to_in_process_floor: number;
  /** Medians per session, Lucid only. */
  history: {
    workflow_tasks: number;
    activities: number;
    activities_by_type: Record<string, number>;
    local_activities: number;
    events: number;
    payload_bytes: number;
  } | null;
  /** Lucid on PostgreSQL only: the database's load per turn (all measured sessions), and the most connections. */
  database: (ReturnType<typeof perUnit> & { max_backends: number; max_connections: number }) | null;
}

function summarize(
  samples: Map<ConfigurationName, Sample[]>,
  configurations: readonly ConfigurationName[],
  turns: number,
): ConfigurationResult[] {
  const perTurn = (name: ConfigurationName) => samples.get(name)!.map((sample) => sample.wallMs / turns);
  const temporalFloor = median(perTurn('temporal floor'));
  const inProcessFloor = median(perTurn('in-process floor'));
  return configurations.map((name) => {
    const values = perTurn(name);
    const histories = samples.get(name)!.flatMap((sample) => (sample.history ? [sample.history] : []));
    return {
      configuration: name,
      per_turn_ms: { median: median(values), p90: percentile(values, 90), min: Math.min(...values) },
      ratio_to_temporal_floor: median(values) / temporalFloor,
      ratio_to_in_process_floor: median(values) / inProcessFloor,
      history: histories.length ? summarizeHistories(histories) : null,
      database: databasePerTurn(samples.get(name)!, turns),
    };
  });
}

function databasePerTurn(samples: Sample[], turns: number): ConfigurationResult['database'] {
  const loads = samples.flatMap((sample) => (sample.database ? [sample.database] : []));
  if (loads.length === 0) return null;
  const sum = (key: keyof DatabaseLoad) => loads.reduce((total, load) => total + load[key], 0);
  const total: DatabaseLoad = {
    statements: sum('statements'),
    bytes_to_database: sum('bytes_to_database'),
    bytes_from_database: sum('bytes_from_database'),
    wal_bytes: sum('wal_bytes'),
    max_backends: Math.max(...loads.map((load) => load.max_backends)),
    max_connections: Math.max(...loads.map((load) => load.max_connections)),
  };
  return {
    ...perUnit(total, loads.length * turns),
    max_backends: total.max_backends,
    max_connections: total.max_connections,
  };
}

function summarizeHistories(histories: HistorySummary[]): NonNullable<ConfigurationResult['history']> {
  const types = [...new Set(histories.flatMap((history) => Object.keys(history.activities)))];
  return {
    workflow_tasks: median(histories.map((history) => history.workflowTasks)),
    activities: median(histories.map(countActivities)),
    activities_by_type: Object.fromEntries(
      types.map((type) => [type, median(histories.map((history) => history.activities[type] ?? 0))]),
    ),
    local_activities: median(histories.map((history) => history.localActivities)),
    events: median(histories.map((history) => history.events)),
    payload_bytes: median(histories.map((history) => history.payloadBytes)),
  };
}

function renderTable(results: ConfigurationResult[], turns: number): string {
  const header = [
    'configuration',
    'per turn median ms',
    'p90 ms',
    '÷ temporal floor',
    '÷ in-process floor',
    'activities',
    'workflow tasks',
  ];
  const rows = results.map((result) => [
    result.configuration,
    result.per_turn_ms.median.toFixed(2),
    result.per_turn_ms.p90.toFixed(2),
    result.ratio_to_temporal_floor.toFixed(2),
    result.ratio_to_in_process_floor.toFixed(2),
    result.history
      ? String(result.history.activities)
      : result.configuration === 'temporal floor'
        ? String(2 * turns - 1)
        : '—',
    result.history ? String(result.history.workflow_tasks) : '—',
  ]);
  return formatTable([header, ...rows]);
}

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const log = (line: string) => console.log(`[bench:turns] ${line}`);
  const began = performance.now();
  const environment = await startBenchEnvironment(turnScenario(settings.turns, settings.latencyMs), log);
  let results: ConfigurationResult[];
  try {
    log(`worker: ${formatWorkerConcurrency(environment.workerConcurrency)}`);
    const stopFloorWorker = await startFloorWorker(environment);
    try {
      const activities = createActivities({
        storage: openStorage({ dataDir: environment.dataDir }),
        agentsDir: path.join(__dirname, '..', 'agents'),
        anthropic: createAnthropicClient({ ANTHROPIC_BASE_URL: environment.model.url, ANTHROPIC_API_KEY: 'scripted' }),
        shellPool: await ShellPool.create(shellSettings()), // unused: the benchmark's agent has no bash
      });
      const postgres = settings.postgres ? await startThrowawayPostgres() : undefined;
      const meter = postgres ? await startDatabaseMeter(await postgres.createDatabase('lucid_bench')) : undefined;
      try {
        const onPostgres = meter
          ? {
              meter,
              lucid: await environment.startLucidOn(
                openStorage({ dataDir: environment.dataDir, database: { url: meter.url, poolSize: 10 } }),
                'lucid-bench-postgres',
              ),
            }
          : undefined;
        const configurations = onPostgres
          ? [...BASE_CONFIGURATIONS, 'lucid on postgres' as const]
          : BASE_CONFIGURATIONS;
        const runner: Runner = {
          environment,
          settings,
          activities,
          onPostgres,
          configurations,
          runId: Date.now().toString(36),
        };
        results = summarize(await runAllRounds(runner, log), configurations, settings.turns);
      } finally {
        await meter?.close();
        postgres?.destroy();
      }
    } finally {
      await stopFloorWorker();
    }
  } finally {
    await environment.close();
  }
  console.log(`\n${renderTable(results, settings.turns)}\n`);
  const lucid = results.find((result) => result.configuration === 'lucid')!.history!;
  const database = results.find((result) => result.database)?.database;
  if (database)
    console.log(
      `PostgreSQL per turn: ${database.statements} statements, ${database.bytes_to_database} bytes to and ${database.bytes_from_database} from the database, ` +
        `${database.wal_bytes} WAL bytes; at most ${database.max_backends} Lucid backends (pg_stat_activity), ${database.max_connections} connections open`,
    );
  console.log(
    `a Lucid session of ${settings.turns} turns: ${lucid.workflow_tasks} workflow tasks, activities ${JSON.stringify(lucid.activities_by_type)}, ${lucid.local_activities} local activities, ${lucid.events} history events, ${lucid.payload_bytes} payload bytes`,
  );
  writeReport(settings.outFile, {
    benchmark: 'turn-overhead',
    created_at: new Date().toISOString(),
    settings: {
      turns: settings.turns,
      sessions_per_configuration: settings.sessions,
      warmup_rounds: settings.warmupRounds,
      model_latency_ms: settings.latencyMs,
    },
    machine: describeMachine(),
    worker_concurrency: environment.workerConcurrency,
    runtime_ms: Math.round(performance.now() - began),
    results,
  });
}

runBenchmark(main);
