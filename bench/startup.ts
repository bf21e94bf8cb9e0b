/**
 * Start-up: from spawning a worker process to its first workflow task, with and without a prebuilt workflow
 * bundle (LUCID_WORKFLOW_BUNDLE, written by scripts/bundle-workflows.ts).
 *
 *   npm run bench:startup -- [--rounds 5] [--warmup 1] [--out FILE]
 *
 * One Temporal dev server (in memory) and one scripted model serve the whole run. For each measurement a session
 * workflow is started on a fresh task queue before any worker polls it; then the real worker is spawned the way
 * `npm run worker` runs it (`node --import tsx src/worker.ts`, configured by environment), and two moments are
 * taken from the spawn:
 *
 *   - ready: the worker's "Lucid worker on task queue …" line, printed once Worker.create has returned (connected,
 *     search attributes checked, workflow code bundled or loaded, activities registered);
 *   - first task: the first WorkflowTaskCompleted event in the workflow's history, i.e. the server's own record
 *     of when the worker had polled the waiting task, run the workflow code and reported back. It is stamped by
 *     the server, so no polling by the benchmark adds to it, and it marks the worker doing real work rather than
 *     saying it is ready. (The session's first persisted event would add activity round trips that are not
 *     start-up.) Server and benchmark read the same clock: both run on this machine.
 *
 * The session then runs to its end (one model request) as a check that the worker works, and the worker is
 * stopped. Starts with and without the bundle alternate (ABBA order), so a drifting machine touches both alike.
 * Two baselines are timed in each round too, each to its first line of output: `node --import tsx` alone, and
 * the same loading src/worker.ts's modules without starting a worker. Spawning node and tsx is part of every
 * number, as it is of `npm run worker` (which adds npm's own start-up on top). The results are printed as a table
 * and written as JSON to bench/results/.
 */
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, type DevServer } from '../scripts/lib/dev-server';
import { writeWorkflowBundle } from '../scripts/bundle-workflows';
import { startScriptedModel, type ScriptedModel } from '../src/scripted-model/server';
import { AGENT_SESSION_WORKFLOW } from '../src/workflows/api/session-api';
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
import { REPOSITORY_ROOT, startTimedProcess } from './lib/timed-process';

// ---------------------------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------------------------

const USAGE = 'usage: npm run bench:startup -- [--rounds 5] [--warmup 1] [--out FILE]';

interface Settings {
  rounds: number;
  /** Rounds run first and not measured: they register the search attributes and warm tsx's and the OS's caches. */
  warmupRounds: number;
  outFile: string;
}

function readSettings(argv: string[]): Settings {
  const values = readBenchOptions(argv, { rounds: '5', warmup: '1' }, USAGE);
  return {
    rounds: wholeNumber('rounds', values.rounds, 1, 100, USAGE),
    warmupRounds: wholeNumber('warmup', values.warmup, 0, 10, USAGE),
    outFile: values.out ?? path.join(__dirname, 'results', `startup-${fileTimestamp(new Date())}.json`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// What is started
// ---------------------------------------------------------------------------------------------------------------

/** One way of starting: a worker with or without the prebuilt bundle, or a baseline process. */
interface Mode {
  name: string;
  kind: 'worker' | 'baseline';
  /** Worker modes: the bundle file to pass as LUCID_WORKFLOW_BUNDLE, or null to bundle at start-up. */
  bundle?: string | null;
  /** Baseline modes: the code `node --import tsx --eval` runs. */
  code?: string;
}

const WORKER_READY_LINE = /Lucid worker on task queue/;
const BASELINE_READY_LINE = /^ready$/m;

function modesFor(bundleFile: string): { workers: [Mode, Mode]; baselines: Mode[] } {
  const workerModule = JSON.stringify(path.join(REPOSITORY_ROOT, 'src', 'worker.ts'));
  return {
    workers: [
      { name: 'worker, bundling at start-up', kind: 'worker', bundle: null },
      { name: 'worker, prebuilt bundle', kind: 'worker', bundle: bundleFile },
    ],
    baselines: [
      { name: 'baseline: node + tsx', kind: 'baseline', code: "console.log('ready')" },
      // Requiring src/worker.ts loads what it imports (SDK, native bridge, activities) but does not run main().
      { name: 'baseline: + worker modules', kind: 'baseline', code: `require(${workerModule}); console.log('ready')` },
    ],
  };
}

/** What the benchmark shares across measurements. */
interface Fixture {
  server: DevServer;
  model: ScriptedModel;
  client: Client;
  dataDir: string;
  runId: string;
}

/** The environment of a child process: this one's, minus any Temporal or Lucid settings of the developer's. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(TEMPORAL_|LUCID_|ANTHROPIC_)/.test(name)),
  );
}

function workerEnvironment(fixture: Fixture, taskQueue: string, bundle: string | null): NodeJS.ProcessEnv {
  return {
    ...cleanEnvironment(),
    TEMPORAL_ADDRESS: fixture.server.address,
    TEMPORAL_NAMESPACE: 'default',
    LUCID_TASK_QUEUE: taskQueue,
    LUCID_DATA_DIR: fixture.dataDir,
    ANTHROPIC_BASE_URL: fixture.model.url,
    ANTHROPIC_API_KEY: 'scripted',
    ...(bundle ? { LUCID_WORKFLOW_BUNDLE: bundle } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------------------------

/** One start. Baselines have only `ready_ms`. */
interface Sample {
  ready_ms: number;
  /** Spawn → the first WorkflowTaskStarted (the task handed to the worker) and WorkflowTaskCompleted. */
  first_task_started_ms?: number;
  first_task_ms?: number;
  /** Spawn → the workflow closed (the one-request session finished). */
  session_closed_ms?: number;
}

async function measure(fixture: Fixture, mode: Mode, label: string): Promise<Sample> {
  return mode.kind === 'worker' ? measureWorker(fixture, mode.bundle ?? null, label) : measureBaseline(mode.code ?? '');
}

async function measureBaseline(code: string): Promise<Sample> {
  const child = startTimedProcess({ args: ['--eval', code], env: cleanEnvironment(), readyLine: BASELINE_READY_LINE });
  try {
    return { ready_ms: await child.ready };
  } finally {
    await child.stop();
  }
}

async function measureWorker(fixture: Fixture, bundle: string | null, label: string): Promise<Sample> {
  const taskQueue = `startup-${fixture.runId}-${label}`;
  // Started before the worker exists: its first workflow task waits in the queue for the worker's first poll.
  const handle = await fixture.client.workflow.start(AGENT_SESSION_WORKFLOW, {
    taskQueue,
    workflowId: `startup-${fixture.runId}-${label}`,
    args: [{ agent: { name: 'startup', model: 'scripted-startup', system: 'Answer briefly.' }, message: 'Say ready.' }],
  });
  const worker = startTimedProcess({
    args: [path.join('src', 'worker.ts')],
    env: workerEnvironment(fixture, taskQueue, bundle),
    readyLine: WORKER_READY_LINE,
  });
  try {
    const readyMs = await worker.ready;
    await handle.result();
    const times = await historyTimes(fixture.client, handle.workflowId);
    return {
      ready_ms: readyMs,
      first_task_started_ms: times.firstTaskStarted - worker.spawnedAtEpochMs,
      first_task_ms: times.firstTaskCompleted - worker.spawnedAtEpochMs,
      session_closed_ms: times.closed - worker.spawnedAtEpochMs,
    };
  } catch (error) {
    throw new Error(
      `${label}: ${error instanceof Error ? error.message : String(error)}\nworker output:\n${worker.output()}`,
      { cause: error },
    );
  } finally {
    await worker.stop();
  }
}

const EventType = temporal.api.enums.v1.EventType;

/** Server times (epoch ms) of the first workflow task's start and completion, and of the workflow's close. */
async function historyTimes(
  client: Client,
  workflowId: string,
): Promise<{ firstTaskStarted: number; firstTaskCompleted: number; closed: number }> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const timeOf = (type: temporal.api.enums.v1.EventType, pick: 'first' | 'last' = 'first') => {
    const matching = events.filter((event) => event.eventType === type);
    const event = pick === 'first' ? matching[0] : matching[matching.length - 1];
    if (!event?.eventTime) throw new Error(`no ${EventType[type]} event in the history of ${workflowId}`);
    return Number(event.eventTime.seconds ?? 0) * 1000 + (event.eventTime.nanos ?? 0) / 1e6;
  };
  return {
    firstTaskStarted: timeOf(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED),
    firstTaskCompleted: timeOf(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
    closed: timeOf(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, 'last'),
  };
}

/** Runs every round: the two baselines, then the two worker modes in ABBA order. */
async function runAllRounds(
  fixture: Fixture,
  modes: Mode[][],
  settings: Settings,
  log: (line: string) => void,
): Promise<Map<Mode, Sample[]>> {
  const samples = new Map<Mode, Sample[]>(modes.flat().map((mode) => [mode, []]));
  const [baselines, workers] = modes;
  for (let round = 0; round < settings.warmupRounds + settings.rounds; round++) {
    const warmup = round < settings.warmupRounds;
    const order = [...baselines, ...(round % 2 === 0 ? workers : [...workers].reverse())];
    const line: string[] = [];
    for (const [index, mode] of order.entries()) {
      const sample = await measure(fixture, mode, `r${round}-m${index}`);
      if (!warmup) samples.get(mode)!.push(sample);
      line.push(`${mode.name} ${Math.round(sample.first_task_ms ?? sample.ready_ms)} ms`);
    }
    log(
      `${warmup ? 'warm-up round' : `round ${round - settings.warmupRounds + 1} of ${settings.rounds}`}: ${line.join('; ')}`,
    );
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------------------

interface Distribution {
  median: number;
  p90: number;
  min: number;
  max: number;
}

interface ModeResult {
  mode: string;
  starts: number;
  ready_ms: Distribution;
  first_task_started_ms: Distribution | null;
  first_task_ms: Distribution | null;
  /** Median of (first task − ready) per start. */
  ready_to_first_task_ms_median: number | null;
  session_closed_ms: Distribution | null;
  samples: Sample[];
}

function distribution(values: number[]): Distribution | null {
  if (values.length === 0) return null;
  return { median: median(values), p90: percentile(values, 90), min: Math.min(...values), max: Math.max(...values) };
}

function summarize(mode: Mode, samples: Sample[]): ModeResult {
  const values = (pick: (sample: Sample) => number | undefined) =>
    samples.flatMap((sample) => (pick(sample) === undefined ? [] : [pick(sample)!]));
  const readyToTask = values((sample) =>
    sample.first_task_ms === undefined ? undefined : sample.first_task_ms - sample.ready_ms,
  );
  return {
    mode: mode.name,
    starts: samples.length,
    ready_ms: distribution(values((sample) => sample.ready_ms))!,
    first_task_started_ms: distribution(values((sample) => sample.first_task_started_ms)),
    first_task_ms: distribution(values((sample) => sample.first_task_ms)),
    ready_to_first_task_ms_median: readyToTask.length ? median(readyToTask) : null,
    session_closed_ms: distribution(values((sample) => sample.session_closed_ms)),
    samples,
  };
}

function renderTable(results: ModeResult[]): string {
  const ms = (value: number | null | undefined) =>
    value === null || value === undefined ? '—' : Math.round(value).toLocaleString('en-US');
  const header = [
    'start',
    'n',
    'ready median ms',
    'ready p90',
    'first task median ms',
    'first task p90',
    'ready → first task',
    'session done median',
  ];
  const rows = results.map((result) => [
    result.mode,
    String(result.starts),
    ms(result.ready_ms.median),
    ms(result.ready_ms.p90),
    ms(result.first_task_ms?.median),
    ms(result.first_task_ms?.p90),
    ms(result.ready_to_first_task_ms_median),
    ms(result.session_closed_ms?.median),
  ]);
  return formatTable([header, ...rows]);
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const log = (line: string) => console.log(`[bench] ${line}`);
  const began = performance.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-bench-startup-'));
  log('starting the Temporal dev server and the scripted model; writing the workflow bundle');
  const [server, bundle] = await Promise.all([
    startDevServer(),
    writeWorkflowBundle(path.join(dataDir, 'workflow-bundle.js')),
  ]);
  const model = await startScriptedModel({
    scenario: { rules: [{ reply: { content: [{ type: 'text', text: 'Ready.' }] } }] },
  });
  const connection = await Connection.connect({ address: server.address });
  const fixture: Fixture = {
    server,
    model,
    client: new Client({ connection }),
    dataDir,
    runId: Date.now().toString(36),
  };
  log(
    `bundle: ${Math.round(bundle.bytes / 1024)} KiB, built in ${Math.round(bundle.bundleMs)} ms; ${settings.rounds} rounds (+${settings.warmupRounds} warm-up)`,
  );
  const { workers, baselines } = modesFor(bundle.path);
  let results: ModeResult[];
  try {
    const samples = await runAllRounds(fixture, [baselines, workers], settings, log);
    results = [...baselines, ...workers].map((mode) => summarize(mode, samples.get(mode)!));
  } finally {
    await connection.close();
    await model.close();
    await server.stop();
  }
  const [withoutBundle, withBundle] = results.slice(baselines.length);
  const ratio = {
    ready: withoutBundle.ready_ms.median / withBundle.ready_ms.median,
    first_task: withoutBundle.first_task_ms!.median / withBundle.first_task_ms!.median,
  };
  console.log(`\n${renderTable(results)}\n`);
  console.log(
    `without ÷ with bundle (medians): ready ${ratio.ready.toFixed(2)}×, first task ${ratio.first_task.toFixed(2)}×`,
  );
  console.log(
    'all times from the spawn of `node --import tsx …`; first task = the first WorkflowTaskCompleted event (server time).',
  );
  writeReport(settings.outFile, {
    benchmark: 'startup',
    created_at: new Date().toISOString(),
    settings: {
      rounds: settings.rounds,
      warmup_rounds: settings.warmupRounds,
      order: 'baselines, then the worker modes in ABBA order',
    },
    machine: describeMachine(),
    bundle: { bytes: bundle.bytes, build_ms: Math.round(bundle.bundleMs) },
    first_task_definition:
      'spawn → first WorkflowTaskCompleted event time in the session workflow history (server clock, same machine)',
    ratio_without_over_with_bundle: ratio,
    runtime_ms: Math.round(performance.now() - began),
    results,
  });
  fs.rmSync(dataDir, { recursive: true, force: true });
}

runBenchmark(main);
