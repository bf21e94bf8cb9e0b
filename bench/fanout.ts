/**
 * What fanning out costs: how the wall time of a lead's session grows with the number of threads it starts at once.
 *
 *   npm run bench:fanout -- [--latency-ms 200] [--repetitions 5] [--warmup 1] [--fanouts 1,4,16,25] [--out FILE]
 *
 * The scripted model answers every request after a fixed latency L. A lead delegates K tasks in one model turn
 * (K `delegate` calls); each sub-agent answers its task with one text reply; then the lead gives its final
 * answer. Whatever K, the model's own time on the critical path is 3 L (the lead's turn, the sub-agents' turns in
 * parallel, the lead's final turn), so with perfect parallelism the wall time would not depend on K:
 *
 *   ratio(K)              = wall(K) / wall(1)                       (ideal 1.0)
 *   overhead per thread   = (wall(K) − wall(1)) / (K − 1)           (ideal 0), also as a multiple of L
 *
 * which is what starting, running, hearing back from and closing one more child workflow costs the session.
 * Sessions run one at a time (never concurrently), K round-robin within each round after a warm-up round, all in
 * one run with one dev server and one worker — created by src/worker.ts's `createWorker` with its default
 * concurrency settings, which are printed and recorded because they bound how much can run at once.
 *
 * Per session the model's request log also splits the time into phases: start-up (start → lead's first request),
 * fan-out (lead's answer → the last sub-agent's request; of it, the stagger between the first and the last
 * sub-agent's request), fan-in (the last sub-agent's answer → the lead's next request) and close (the lead's final answer → the session's result), and gives the peak number of model
 * requests in flight. The results are printed as a table and written as JSON to bench/results/.
 */
import { WorkflowFailedError } from '@temporalio/client';
import path from 'node:path';
import type { AgentDefinition } from '../src/domain/agent-definition';
import type { SessionSnapshot } from '../src/domain/events';
import type { Rule, Scenario } from '../src/scripted-model/scenario';
import { systemText, type RecordedRequest } from '../src/scripted-model/server';
import { startBenchEnvironment, type BenchEnvironment } from './lib/environment';
import {
  describeMachine,
  fileTimestamp,
  readBenchOptions,
  runBenchmark,
  wholeNumber,
  wholeNumberList,
  writeReport,
} from './lib/options';
import { median, peakOverlap, percentile } from './lib/statistics';
import { formatTable } from './lib/table';
import { formatWorkerConcurrency } from './lib/worker-concurrency';

// ---------------------------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------------------------

const USAGE =
  'usage: npm run bench:fanout -- [--latency-ms 200] [--repetitions 5] [--warmup 1] [--fanouts 1,4,16,25] [--out FILE]';

/** The lead's `thread_limits.max_concurrent`; also the largest fan-out the benchmark allows. */
const MAX_CONCURRENT_THREADS = 25;

interface Settings {
  /** L: how long the scripted model takes to answer each request. */
  latencyMs: number;
  /** Measured sessions per fan-out. */
  repetitions: number;
  /** Rounds run first and not measured: the first sessions pay for cold caches and JIT compilation. */
  warmupRounds: number;
  /** The K values, in the order each round runs them; 1 must be among them, as the baseline. */
  fanouts: number[];
  outFile: string;
}

function readSettings(argv: string[]): Settings {
  const values = readBenchOptions(
    argv,
    { 'latency-ms': '200', repetitions: '5', warmup: '1', fanouts: '1,4,16,25' },
    USAGE,
  );
  const fanouts = wholeNumberList('fanouts', values.fanouts, 1, MAX_CONCURRENT_THREADS, USAGE);
  if (!fanouts.includes(1)) throw new Error(`--fanouts must include 1, the baseline\n${USAGE}`);
  return {
    latencyMs: wholeNumber('latency-ms', values['latency-ms'], 0, 60_000, USAGE),
    repetitions: wholeNumber('repetitions', values.repetitions, 1, 1_000, USAGE),
    warmupRounds: wholeNumber('warmup', values.warmup, 0, 100, USAGE),
    fanouts,
    outFile: values.out ?? path.join(__dirname, 'results', `fanout-${fileTimestamp(new Date())}.json`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The agents and the script the model follows
// ---------------------------------------------------------------------------------------------------------------

const LEAD_MARKER = 'FANOUT-LEAD';
const WORKER_MARKER = 'FANOUT-SUBAGENT';
const SUBAGENT_ANSWER = 'Subtask done.';

const subagent: AgentDefinition = {
  name: 'fanout-worker',
  description: 'Does one small task',
  model: 'scripted-fanout',
  system: `${WORKER_MARKER}: do the task and say so.`,
  tools: [],
  max_turns: 2,
  max_tokens: 256,
};

const lead: AgentDefinition = {
  name: 'fanout-lead',
  model: 'scripted-fanout',
  system: `${LEAD_MARKER}: split the job and delegate every piece at once.`,
  tools: [],
  max_turns: 3,
  max_tokens: 1024,
  subagents: [subagent],
  thread_limits: { max_concurrent: MAX_CONCURRENT_THREADS, max_total: 100, max_depth: 1 },
};

/** The lead's message names K in brackets, which its script reads: `[4]` never matches inside `[16]`. */
function leadMessage(fanout: number): string {
  return `Split the job into [${fanout}] pieces.`;
}

/**
 * Every request is answered after L. The lead's first request (its message names K) gets K delegate calls; a
 * sub-agent gets one text reply; the lead's request after the tool results gets its final answer.
 */
function fanoutScenario(latencyMs: number, fanouts: readonly number[]): Scenario {
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  const delegations = (fanout: number): Rule => ({
    match: { system: LEAD_MARKER, last_user_text: `[${fanout}]` },
    reply: {
      content: Array.from({ length: fanout }, (_, index) => ({
        type: 'tool_use' as const,
        name: 'delegate',
        input: { agent: subagent.name, task: `Piece ${index + 1} of ${fanout}.` },
      })),
    },
  });
  return {
    description: 'bench/fanout.ts: a lead fanning out to K sub-agents at a fixed latency',
    default_delay_ms: latencyMs,
    rules: [
      { match: { system: WORKER_MARKER }, reply: text(SUBAGENT_ANSWER) },
      { match: { system: LEAD_MARKER, last_tool_result: SUBAGENT_ANSWER }, reply: text('All pieces are done.') },
      ...fanouts.map(delegations),
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Running sessions
// ---------------------------------------------------------------------------------------------------------------

/** What one session took. Phases are by the model's request log (Date.now milliseconds). */
interface Sample {
  sessionId: string;
  fanout: number;
  wallMs: number;
  /** Start → the lead's first model request. */
  startupMs: number;
  /** The lead's first answer → the last sub-agent's model request: starting K child workflows. */
  fanOutMs: number;
  /** The first sub-agent's model request → the last one's: how staggered the K threads start. */
  staggerMs: number;
  /** The last sub-agent's answer → the lead's next request: K reports reaching the lead. */
  fanInMs: number;
  /** The lead's final answer → the session's result: closing the threads and ending. */
  closeMs: number;
  /** Most sub-agent model requests in flight at one moment (K when the fan-out is fully parallel). */
  peakParallelRequests: number;
}

async function runSession(environment: BenchEnvironment, fanout: number, sessionId: string): Promise<Sample> {
  const { lucid, model } = environment;
  const firstRequest = model.requests.length;
  const startedAt = Date.now();
  const started = performance.now();
  await lucid.startSession({ sessionId, agent: lead, message: leadMessage(fanout) });
  const snapshot = await lucid.result(sessionId);
  const wallMs = performance.now() - started;
  const endedAt = Date.now();
  // Sessions run one at a time, so every request since the start belongs to this session.
  const requests = model.requests.slice(firstRequest);
  checkSessionWentAsScripted(sessionId, fanout, snapshot, requests);
  await settleThreads(environment, snapshot);
  return { sessionId, fanout, wallMs, ...phases(requests, startedAt, endedAt) };
}

/** Splits the session's time by its model requests: the lead's two and the sub-agents' K. */
function phases(
  requests: RecordedRequest[],
  startedAt: number,
  endedAt: number,
): Omit<Sample, 'sessionId' | 'fanout' | 'wallMs'> {
  const [leadFirst, leadFinal] = requests.filter(isLeadRequest);
  const subagents = requests.filter((request) => !isLeadRequest(request));
  const answeredAt = (request: RecordedRequest) => request.answered_at ?? request.received_at;
  return {
    startupMs: leadFirst.received_at - startedAt,
    fanOutMs: Math.max(...subagents.map((request) => request.received_at)) - answeredAt(leadFirst),
    staggerMs:
      Math.max(...subagents.map((request) => request.received_at)) -
      Math.min(...subagents.map((request) => request.received_at)),
    fanInMs: leadFinal.received_at - Math.max(...subagents.map(answeredAt)),
    closeMs: endedAt - answeredAt(leadFinal),
    peakParallelRequests: peakOverlap(
      subagents.map((request) => ({ start: request.received_at, end: answeredAt(request) })),
    ),
  };
}

function isLeadRequest(request: RecordedRequest): boolean {
  return systemText(request.body).includes(LEAD_MARKER);
}

/** A benchmark of the wrong thing is worse than none: stop if a session did not follow its script. */
function checkSessionWentAsScripted(
  sessionId: string,
  fanout: number,
  snapshot: SessionSnapshot,
  requests: RecordedRequest[],
): void {
  const leadRequests = requests.filter(isLeadRequest).length;
  const threadsDone = snapshot.threads.filter((thread) => thread.status === 'terminated' && thread.turns === 1).length;
  const ok =
    snapshot.final_message === 'All pieces are done.' &&
    snapshot.threads.length === fanout &&
    threadsDone === fanout &&
    leadRequests === 2 &&
    requests.length === fanout + 2 &&
    requests.every((request) => request.answered_at !== undefined);
  if (!ok) {
    throw new Error(
      `session ${sessionId} (K = ${fanout}) did not go as scripted: ${snapshot.threads.length} threads (${threadsDone} done in one turn), ` +
        `${leadRequests} lead and ${requests.length - leadRequests} sub-agent requests, final message ${JSON.stringify(snapshot.final_message)}`,
    );
  }
}

/**
 * Waits until every thread's workflow has closed. The lead returns once its threads reported their end, but
 * each child still finishes its own last workflow task; the next session should start on a quiet worker.
 */
async function settleThreads(environment: BenchEnvironment, snapshot: SessionSnapshot): Promise<void> {
  const client = environment.lucid.temporal;
  await Promise.all(
    snapshot.threads.map((thread) =>
      client.workflow
        .getHandle(thread.session_id)
        .result()
        .catch((error: unknown) => {
          if (!(error instanceof WorkflowFailedError)) throw error; // cancelled by its lead: the expected end
        }),
    ),
  );
}

/** Runs warm-up rounds, then the measured ones; each round runs one session of every K in turn. */
async function runAllRounds(
  environment: BenchEnvironment,
  settings: Settings,
  log: (line: string) => void,
): Promise<Map<number, Sample[]>> {
  const samples = new Map(settings.fanouts.map((fanout) => [fanout, [] as Sample[]]));
  const runId = Date.now().toString(36);
  const rounds = settings.warmupRounds + settings.repetitions;
  for (let round = 0; round < rounds; round++) {
    const warmup = round < settings.warmupRounds;
    const walls: string[] = [];
    for (const fanout of settings.fanouts) {
      const sample = await runSession(environment, fanout, `fanout-${runId}-r${round}-k${fanout}`);
      if (!warmup) samples.get(fanout)!.push(sample);
      walls.push(`K=${fanout} ${Math.round(sample.wallMs)} ms`);
    }
    log(
      `${warmup ? 'warm-up round' : `round ${round - settings.warmupRounds + 1} of ${settings.repetitions}`}: ${walls.join(', ')}`,
    );
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------------------

/** The summary of one fan-out. */
interface FanoutResult {
  fanout: number;
  sessions: number;
  wall_ms: { median: number; p90: number; min: number; max: number };
  /** Median wall time over the K = 1 median (ideal 1.0). */
  ratio_to_single: number;
  /** (wall(K) − wall(1)) / (K − 1); null for K = 1. */
  overhead_per_thread: { ms: number; ratio_to_latency: number } | null;
  /** Medians per session. */
  phases_ms: { startup: number; fan_out: number; stagger: number; fan_in: number; close: number };
  /** Median wall time minus the 3 L the model spends on the critical path. */
  orchestration_ms: number;
  peak_parallel_requests: number;
  samples: Sample[];
}

function summarize(fanout: number, samples: Sample[], baselineWallMs: number, latencyMs: number): FanoutResult {
  const walls = samples.map((sample) => sample.wallMs);
  const wall = median(walls);
  const perThreadMs = fanout > 1 ? (wall - baselineWallMs) / (fanout - 1) : null;
  const medianOf = (pick: (sample: Sample) => number) => median(samples.map(pick));
  return {
    fanout,
    sessions: samples.length,
    wall_ms: { median: wall, p90: percentile(walls, 90), min: Math.min(...walls), max: Math.max(...walls) },
    ratio_to_single: wall / baselineWallMs,
    overhead_per_thread:
      perThreadMs === null
        ? null
        : { ms: perThreadMs, ratio_to_latency: latencyMs > 0 ? perThreadMs / latencyMs : Number.NaN },
    phases_ms: {
      startup: medianOf((sample) => sample.startupMs),
      fan_out: medianOf((sample) => sample.fanOutMs),
      stagger: medianOf((sample) => sample.staggerMs),
      fan_in: medianOf((sample) => sample.fanInMs),
      close: medianOf((sample) => sample.closeMs),
    },
    orchestration_ms: wall - 3 * latencyMs,
    peak_parallel_requests: Math.min(...samples.map((sample) => sample.peakParallelRequests)),
    samples,
  };
}

function renderTable(results: FanoutResult[]): string {
  const ms = (value: number) => Math.round(value).toLocaleString('en-US');
  const header = [
    'K',
    'wall median ms',
    'wall p90 ms',
    '÷ wall(K=1)',
    'overhead/thread ms',
    '÷ L',
    'start-up ms',
    'fan-out ms',
    'of it stagger',
    'fan-in ms',
    'close ms',
    'parallel requests',
  ];
  const rows = results.map((result) => [
    String(result.fanout),
    ms(result.wall_ms.median),
    ms(result.wall_ms.p90),
    result.ratio_to_single.toFixed(2),
    result.overhead_per_thread ? ms(result.overhead_per_thread.ms) : '—',
    result.overhead_per_thread ? result.overhead_per_thread.ratio_to_latency.toFixed(2) : '—',
    ms(result.phases_ms.startup),
    ms(result.phases_ms.fan_out),
    ms(result.phases_ms.stagger),
    ms(result.phases_ms.fan_in),
    ms(result.phases_ms.close),
    `${result.peak_parallel_requests} of ${result.fanout}`,
  ]);
  return formatTable([header, ...rows]);
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const log = (line: string) => console.log(`[bench] ${line}`);
  log(
    `L = ${settings.latencyMs} ms per model request; K = ${settings.fanouts.join(', ')}; ${settings.repetitions} measured sessions per K ` +
      `(+${settings.warmupRounds} warm-up round), one at a time, K round-robin`,
  );
  const began = performance.now();
  const environment = await startBenchEnvironment(fanoutScenario(settings.latencyMs, settings.fanouts), log);
  log(`worker (src/worker.ts defaults): ${formatWorkerConcurrency(environment.workerConcurrency)}`);
  let results: FanoutResult[];
  try {
    const samples = await runAllRounds(environment, settings, log);
    const baselineWallMs = median(samples.get(1)!.map((sample) => sample.wallMs));
    results = settings.fanouts.map((fanout) =>
      summarize(fanout, samples.get(fanout)!, baselineWallMs, settings.latencyMs),
    );
  } finally {
    await environment.close();
  }
  console.log(`\n${renderTable(results)}\n`);
  console.log(
    '÷ wall(K=1): median wall time over that of K = 1 (ideal 1.00). overhead/thread = (wall(K) − wall(1)) / (K − 1); ÷ L is that as a multiple of L.\n' +
      'start-up: start → lead request 1; fan-out: lead answer 1 → last sub-agent request (stagger: first → last sub-agent request);\n' +
      'fan-in: last sub-agent answer → lead request 2; ' +
      'close: lead answer 2 → result; parallel requests: most sub-agent model requests in flight at once (fewest over the sessions).',
  );
  writeResults(settings, environment, results, performance.now() - began);
}

function writeResults(
  settings: Settings,
  environment: BenchEnvironment,
  results: FanoutResult[],
  runtimeMs: number,
): void {
  const report = {
    benchmark: 'fanout',
    created_at: new Date().toISOString(),
    settings: {
      latency_ms: settings.latencyMs,
      repetitions: settings.repetitions,
      warmup_rounds: settings.warmupRounds,
      fanouts: settings.fanouts,
      thread_limits: lead.thread_limits,
      scheduling: 'sequential: one session at a time, K round-robin within each round',
    },
    worker: {
      created_by: 'src/worker.ts createWorker, no concurrency options (SDK defaults)',
      ...environment.workerConcurrency,
    },
    machine: describeMachine(),
    formulas: {
      ratio_to_single: 'wall median(K) / wall median(1)',
      overhead_per_thread: '(wall median(K) − wall median(1)) / (K − 1)',
      orchestration_ms: 'wall median(K) − 3 × latency',
    },
    runtime_ms: Math.round(runtimeMs),
    results,
  };
  writeReport(settings.outFile, report);
}

runBenchmark(main);
