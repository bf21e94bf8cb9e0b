/**
 * What dreaming costs as the number of sessions grows: one dream over N = 10, 50 and 100 finished sessions of
 * 30 tool turns each, measured in one run.
 *
 *   npm run bench:dream -- [--latency-ms 50] [--sizes 10,50,100] [--turns 30] [--parallel-sessions 25]
 *                          [--repetitions 3] [--warmup 1] [--out FILE]
 *
 * The scripted model answers every request after a fixed latency L. First the sessions are made by running real
 * `agentSession` workflows, `--parallel-sessions` at once: each agent writes one file per turn for `--turns`
 * turns (a short text and one `write_file` call each, so 30 tool turns make 31 model requests and 157 events),
 * then says it is done. Real workflows rather than event logs written directly: the dreams then read exactly what
 * the workflow writes, and making 100 such sessions takes under a minute on two cores. Then a `dream` (review
 * auto, create_new, the default 4 parallel reflections) runs over the first N sessions for each N, one dream at
 * a time, smallest N first, `--repetitions` times (medians are reported). Each reflection answers with two
 * lessons (one every session shares, one of its own) and the consolidation with one change, which the dream
 * applies to its copy of the store.
 *
 * A dream makes N reflection requests, N / 4 at a time, and one consolidation request, so its wall time should
 * grow like ⌈N / 4⌉ × L plus the orchestration per reflection, and its tokens like N (each reflection reads one
 * condensed transcript; the consolidation reads N lessons). Per N the table gives the wall time, model calls and
 * tokens, each as a ratio to the smallest N and per session reviewed; the JSON in bench/results/ has the detail.
 */
import path from 'node:path';
import type { AgentDefinition } from '../src/domain/agent-definition';
import type { Dream } from '../src/domain/dream';
import { addUsage, ZERO_USAGE, type Usage } from '../src/domain/usage';
import { openStorage } from '../src/storage/open-storage';
import type { Rule, Scenario } from '../src/scripted-model/scenario';
import { systemText, type RecordedRequest } from '../src/scripted-model/server';
import { mapConcurrently } from './lib/concurrency';
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
import { median, peakOverlap } from './lib/statistics';
import { formatTable } from './lib/table';
import { formatWorkerConcurrency } from './lib/worker-concurrency';

// ---------------------------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------------------------

const USAGE =
  'usage: npm run bench:dream -- [--latency-ms 50] [--sizes 10,50,100] [--turns 30] [--parallel-sessions 25] ' +
  '[--repetitions 3] [--warmup 1] [--out FILE]';

/** The dream workflow's own limit on the sessions one dream reads (src/domain/dream.ts). */
const MAX_DREAM_SESSIONS = 100;
/** The dream input's default, which the benchmark keeps: what users get. */
const PARALLEL_REFLECTIONS = 4;

interface Settings {
  /** L: how long the scripted model takes to answer each request. */
  latencyMs: number;
  /** The N values, ascending; the first is the baseline of the ratios. */
  sizes: number[];
  /** Tool turns per session. */
  turns: number;
  /** Sessions run at once while making them. */
  parallelSessions: number;
  /** Measured dreams per N (the median is reported). */
  repetitions: number;
  /** Dreams over the smallest N run first and not measured: they pay for cold caches and JIT compilation. */
  warmupDreams: number;
  outFile: string;
}

function readSettings(argv: string[]): Settings {
  const values = readBenchOptions(
    argv,
    { 'latency-ms': '50', sizes: '10,50,100', turns: '30', 'parallel-sessions': '25', repetitions: '3', warmup: '1' },
    USAGE,
  );
  return {
    latencyMs: wholeNumber('latency-ms', values['latency-ms'], 0, 60_000, USAGE),
    sizes: wholeNumberList('sizes', values.sizes, 1, MAX_DREAM_SESSIONS, USAGE).sort((a, b) => a - b),
    turns: wholeNumber('turns', values.turns, 1, 200, USAGE),
    parallelSessions: wholeNumber('parallel-sessions', values['parallel-sessions'], 1, 100, USAGE),
    repetitions: wholeNumber('repetitions', values.repetitions, 1, 100, USAGE),
    warmupDreams: wholeNumber('warmup', values.warmup, 0, 10, USAGE),
    outFile: values.out ?? path.join(__dirname, 'results', `dream-${fileTimestamp(new Date())}.json`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The agent, the dreamer and the script the model follows
// ---------------------------------------------------------------------------------------------------------------

const AGENT_MARKER = 'DREAM-BENCH-AGENT';
const TASK = 'BENCH TASK: write one notes file per step.';
const DONE = 'All steps are written.';
const SHARED_LESSON = 'Write the notes files in step order and check each one before the next.';
/** Session ids carry this, so a reflection's script can quote the session it reviews. */
const SESSION_PREFIX = 'dream-bench';

function benchAgent(turns: number): AgentDefinition {
  return {
    name: 'dream-bench-agent',
    model: 'scripted-dream-bench',
    system: `${AGENT_MARKER}: write the notes files, one per step.`,
    tools: ['write_file'],
    max_turns: turns + 2,
    max_tokens: 512,
  };
}

/**
 * Turn k writes `step-k.md`; each turn's rule recognises the previous turn's tool result ("Created step-(k-1).md"),
 * so every session follows the script on its own however many run at once. `step-1.md` never matches inside
 * `step-11.md`, since the `.md` follows the number.
 */
function sessionRules(turns: number): Rule[] {
  const writeStep = (step: number) => ({
    content: [
      { type: 'text' as const, text: `Step ${step} of ${turns}: writing the notes for this step.` },
      {
        type: 'tool_use' as const,
        name: 'write_file',
        input: { path: `step-${step}.md`, content: `Notes for step ${step}: checked and complete.\n` },
      },
    ],
  });
  const agent = (match: Rule['match']) => ({ system: AGENT_MARKER, ...match });
  return [
    {
      name: 'done',
      match: agent({ last_tool_result: `step-${turns}.md` }),
      reply: { content: [{ type: 'text', text: DONE }] },
    },
    ...Array.from({ length: turns - 1 }, (_, index): Rule => ({
      name: `step ${index + 2}`,
      match: agent({ last_tool_result: `step-${index + 1}.md` }),
      reply: writeStep(index + 2),
    })),
    { name: 'step 1', match: agent({ last_user_text: TASK }), reply: writeStep(1) },
  ];
}

/**
 * The dreamer: every reflection records the shared lesson and one naming its session (captured from the
 * request, where the reviewer is told which session it reads), citing events #1 and #5; the consolidation adds
 * one memory from the shared lesson, which every session supports.
 */
function dreamRules(): Rule[] {
  const lessons = [
    { text: SHARED_LESSON, kind: 'success_pattern', evidence_seqs: [1, 5] },
    {
      text: `Session {{capture:${SESSION_PREFIX}-[a-z0-9]+-s[0-9]+}} wrote every step on the first try.`,
      kind: 'fact',
      evidence_seqs: [1],
    },
  ];
  const change = {
    op: 'add',
    path: '/lessons/notes-files.md',
    content: `# Notes files\n\n- ${SHARED_LESSON}\n`,
    rationale: 'Every session shows it.',
    lesson_numbers: [1],
  };
  return [
    {
      name: 'reflect',
      match: { tools_include: 'record_lessons' },
      reply: { content: [{ type: 'tool_use', name: 'record_lessons', input: { lessons } }] },
    },
    {
      name: 'consolidate',
      match: { tools_include: 'propose_changes' },
      reply: { content: [{ type: 'tool_use', name: 'propose_changes', input: { changes: [change] } }] },
    },
  ];
}

function benchScenario(settings: Settings): Scenario {
  return {
    description: 'bench/dream.ts: 30-turn sessions, then dreams over them, at a fixed latency',
    default_delay_ms: settings.latencyMs,
    rules: [...dreamRules(), ...sessionRules(settings.turns)],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Making the sessions
// ---------------------------------------------------------------------------------------------------------------

/** How the sessions were made, for the report. */
interface SessionsMade {
  method: string;
  sessionIds: string[];
  wallMs: number;
  modelRequests: number;
  eventsPerSession: number;
  usage: Usage;
}

/**
 * Runs real agentSession workflows, `parallelSessions` at a time, and checks each followed its script: the
 * dreams then read logs exactly as the workflow writes them.
 */
async function makeSessions(
  environment: BenchEnvironment,
  settings: Settings,
  log: (line: string) => void,
): Promise<SessionsMade> {
  const { lucid, model } = environment;
  const count = settings.sizes[settings.sizes.length - 1];
  const runId = Date.now().toString(36);
  const ids = Array.from(
    { length: count },
    (_, index) => `${SESSION_PREFIX}-${runId}-s${String(index + 1).padStart(3, '0')}`,
  );
  const agent = benchAgent(settings.turns);
  const firstRequest = model.requests.length;
  const started = performance.now();
  let finished = 0;
  const snapshots = await mapConcurrently(ids, settings.parallelSessions, async (sessionId) => {
    await lucid.startSession({ sessionId, agent, message: TASK });
    const snapshot = await lucid.result(sessionId);
    if (snapshot.final_message !== DONE || snapshot.turns !== settings.turns + 1) {
      throw new Error(
        `session ${sessionId} did not go as scripted: ${snapshot.turns} turns, final message ${JSON.stringify(snapshot.final_message)}`,
      );
    }
    if (++finished % 10 === 0 || finished === count)
      log(`sessions: ${finished} of ${count} done (${seconds(performance.now() - started)} s)`);
    return snapshot;
  });
  return {
    method: `real agentSession workflows, ${settings.parallelSessions} at a time`,
    sessionIds: ids,
    wallMs: performance.now() - started,
    modelRequests: model.requests.length - firstRequest,
    eventsPerSession: median(snapshots.map((snapshot) => snapshot.event_count)),
    usage: snapshots.reduce((total, snapshot) => addUsage(total, snapshot.usage), ZERO_USAGE),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Running dreams
// ---------------------------------------------------------------------------------------------------------------

/** What one dream took. Phases are by the model's request log (Date.now milliseconds). */
interface Sample {
  dreamId: string;
  sessions: number;
  wallMs: number;
  reflectionRequests: number;
  consolidationRequests: number;
  usage: Usage;
  /** Start → the first reflection request. */
  startupMs: number;
  /** The first reflection request → the last reflection answer. */
  reflectingMs: number;
  /** The last reflection answer → the consolidation request. */
  handoverMs: number;
  /** The consolidation answer → the dream's result: copying the store, applying the change, saving the record. */
  closeMs: number;
  /** Most reflection requests in flight at one moment (the dream allows 4). */
  peakParallelReflections: number;
}

async function runDream(environment: BenchEnvironment, storeId: string, sessionIds: string[]): Promise<Sample> {
  const { lucid, model } = environment;
  const firstRequest = model.requests.length;
  const startedAt = Date.now();
  const started = performance.now();
  const dreamId = await lucid.startDream({
    memory_store_id: storeId,
    sessions: { type: 'session_ids', session_ids: sessionIds },
    model: 'scripted-dreamer',
    review: 'auto',
    output_behavior: { type: 'create_new' },
  });
  const dream = await lucid.dreamResult(dreamId);
  const wallMs = performance.now() - started;
  const endedAt = Date.now();
  // Dreams run one at a time, so every request since the start belongs to this one.
  const requests = model.requests.slice(firstRequest);
  checkDreamWentAsScripted(dream, sessionIds.length, requests);
  return { dreamId, sessions: sessionIds.length, wallMs, usage: dream.usage, ...phases(requests, startedAt, endedAt) };
}

function phases(
  requests: RecordedRequest[],
  startedAt: number,
  endedAt: number,
): Omit<Sample, 'dreamId' | 'sessions' | 'wallMs' | 'usage'> {
  const reflections = requests.filter((request) => offersTool(request, 'record_lessons'));
  const consolidations = requests.filter((request) => offersTool(request, 'propose_changes'));
  const answeredAt = (request: RecordedRequest) => request.answered_at ?? request.received_at;
  const lastReflectionAnswer = Math.max(...reflections.map(answeredAt));
  return {
    reflectionRequests: reflections.length,
    consolidationRequests: consolidations.length,
    startupMs: reflections[0].received_at - startedAt,
    reflectingMs: lastReflectionAnswer - reflections[0].received_at,
    handoverMs: consolidations[0].received_at - lastReflectionAnswer,
    closeMs: endedAt - answeredAt(consolidations[consolidations.length - 1]),
    peakParallelReflections: peakOverlap(
      reflections.map((request) => ({ start: request.received_at, end: answeredAt(request) })),
    ),
  };
}

function offersTool(request: RecordedRequest, name: string): boolean {
  return Array.isArray(request.body?.tools) && request.body.tools.some((tool: { name?: string }) => tool.name === name);
}

/** A benchmark of the wrong thing is worse than none: stop if a dream did not follow its script. */
function checkDreamWentAsScripted(dream: Dream, sessions: number, requests: RecordedRequest[]): void {
  const strays = requests.filter((request) => systemText(request.body).includes(AGENT_MARKER)).length;
  const reflections = requests.filter((request) => offersTool(request, 'record_lessons')).length;
  const ok =
    dream.status === 'completed' &&
    dream.session_ids.length === sessions &&
    dream.changes.length === 1 &&
    dream.changes[0].status === 'applied' &&
    dream.changes[0].support === sessions &&
    reflections === sessions &&
    strays === 0 &&
    requests.every((request) => request.answered_at !== undefined);
  if (!ok) {
    throw new Error(
      `dream ${dream.id} over ${sessions} sessions did not go as scripted: status ${dream.status}, ${dream.session_ids.length} sessions, ` +
        `${reflections} reflection requests, changes ${JSON.stringify(dream.changes.map((change) => [change.status, change.support]))}`,
    );
  }
}

/** Warm-up dreams first, then the measured ones, smallest N first, each N `repetitions` times in a row. */
async function runAllDreams(
  environment: BenchEnvironment,
  settings: Settings,
  sessionIds: string[],
  log: (line: string) => void,
): Promise<Map<number, Sample[]>> {
  const memory = openStorage({ dataDir: environment.dataDir }).memory;
  const store = await memory.createStore({
    name: 'dream bench',
    description: 'The input store of every dream; create_new leaves it as it is.',
  });
  for (let warmup = 0; warmup < settings.warmupDreams; warmup++) {
    const sample = await runDream(environment, store.id, sessionIds.slice(0, settings.sizes[0]));
    log(`warm-up dream over ${sample.sessions} sessions: ${Math.round(sample.wallMs)} ms`);
  }
  const samples = new Map<number, Sample[]>();
  for (const size of settings.sizes) {
    samples.set(size, []);
    for (let repetition = 0; repetition < settings.repetitions; repetition++) {
      const sample = await runDream(environment, store.id, sessionIds.slice(0, size));
      samples.get(size)!.push(sample);
      log(
        `dream over N = ${size} sessions: ${Math.round(sample.wallMs)} ms, ${sample.reflectionRequests + sample.consolidationRequests} model calls`,
      );
    }
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------------------

/** The summary of one N (medians when there are several dreams). */
interface SizeResult {
  sessions: number;
  dreams: number;
  wall_ms: number;
  model_calls: number;
  tokens: { input: number; output: number; cache_read: number; total: number };
  per_session: { wall_ms: number; model_calls: number; tokens: number };
  /** Each measure over the same measure at the smallest N. */
  ratio_to_smallest: { sessions: number; wall: number; model_calls: number; tokens: number };
  /** ⌈N / 4⌉ × L + L: the model's own time on the critical path with 4 reflections at a time. */
  model_critical_path_ms: number;
  phases_ms: { startup: number; reflecting: number; handover: number; close: number };
  /**
   * Reflecting time per round of 4 reflections beyond the model's L: reading a session's log, condensing it,
   * scheduling the activity and recording its result. ⌈N / 4⌉ rounds.
   */
  overhead_per_round_ms: number;
  peak_parallel_reflections: number;
  samples: Sample[];
}

function summarize(size: number, samples: Sample[], latencyMs: number): Omit<SizeResult, 'ratio_to_smallest'> {
  const medianOf = (pick: (sample: Sample) => number) => median(samples.map(pick));
  const wall = medianOf((sample) => sample.wallMs);
  const calls = medianOf((sample) => sample.reflectionRequests + sample.consolidationRequests);
  const input = medianOf((sample) => inputTokens(sample.usage));
  const output = medianOf((sample) => sample.usage.output_tokens);
  const reflecting = medianOf((sample) => sample.reflectingMs);
  return {
    sessions: size,
    dreams: samples.length,
    wall_ms: wall,
    model_calls: calls,
    tokens: {
      input,
      output,
      cache_read: medianOf((sample) => sample.usage.cache_read_input_tokens),
      total: input + output,
    },
    per_session: { wall_ms: wall / size, model_calls: calls / size, tokens: (input + output) / size },
    model_critical_path_ms: (reflectionRounds(size) + 1) * latencyMs,
    phases_ms: {
      startup: medianOf((sample) => sample.startupMs),
      reflecting,
      handover: medianOf((sample) => sample.handoverMs),
      close: medianOf((sample) => sample.closeMs),
    },
    overhead_per_round_ms: reflecting / reflectionRounds(size) - latencyMs,
    peak_parallel_reflections: Math.min(...samples.map((sample) => sample.peakParallelReflections)),
    samples,
  };
}

function withRatios(results: Array<Omit<SizeResult, 'ratio_to_smallest'>>): SizeResult[] {
  const [baseline] = results;
  return results.map((result) => ({
    ...result,
    ratio_to_smallest: {
      sessions: result.sessions / baseline.sessions,
      wall: result.wall_ms / baseline.wall_ms,
      model_calls: result.model_calls / baseline.model_calls,
      tokens: result.tokens.total / baseline.tokens.total,
    },
  }));
}

/** Reflections run 4 at a time, so N sessions take ⌈N / 4⌉ rounds of the model's latency. */
function reflectionRounds(sessions: number): number {
  return Math.ceil(sessions / PARALLEL_REFLECTIONS);
}

/** Every prompt token: uncached, cache-written and cache-read. */
function inputTokens(usage: Usage): number {
  return usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
}

function renderTable(results: SizeResult[]): string {
  const count = (value: number) => Math.round(value).toLocaleString('en-US');
  const ratio = (value: number) => `${value.toFixed(2)}×`;
  const header = [
    'N',
    'wall ms',
    '÷ N0',
    'wall/session ms',
    'model calls',
    '÷ N0',
    'calls/session',
    'tokens in',
    'tokens out',
    'tokens/session',
    '÷ N0',
    'reflecting ms',
    'rest ms',
    'overhead/round ms',
    'parallel',
  ];
  const rows = results.map((result) => [
    String(result.sessions),
    count(result.wall_ms),
    ratio(result.ratio_to_smallest.wall),
    count(result.per_session.wall_ms),
    count(result.model_calls),
    ratio(result.ratio_to_smallest.model_calls),
    result.per_session.model_calls.toFixed(2),
    count(result.tokens.input),
    count(result.tokens.output),
    count(result.per_session.tokens),
    ratio(result.ratio_to_smallest.tokens),
    count(result.phases_ms.reflecting),
    count(result.wall_ms - result.phases_ms.reflecting),
    count(result.overhead_per_round_ms),
    String(result.peak_parallel_reflections),
  ]);
  return formatTable([header, ...rows]);
}

function seconds(milliseconds: number): string {
  return (milliseconds / 1000).toFixed(1);
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const log = (line: string) => console.log(`[bench] ${line}`);
  const largest = settings.sizes[settings.sizes.length - 1];
  log(
    `L = ${settings.latencyMs} ms per model request; ${largest} sessions of ${settings.turns} tool turns; dreams over N = ${settings.sizes.join(', ')} ` +
      `(review auto, create_new, ${PARALLEL_REFLECTIONS} parallel reflections), ${settings.repetitions} per N after ${settings.warmupDreams} warm-up`,
  );
  const began = performance.now();
  const environment = await startBenchEnvironment(benchScenario(settings), log);
  log(`worker (src/worker.ts defaults): ${formatWorkerConcurrency(environment.workerConcurrency)}`);
  let made: SessionsMade;
  let results: SizeResult[];
  try {
    made = await makeSessions(environment, settings, log);
    log(
      `${made.sessionIds.length} sessions made in ${seconds(made.wallMs)} s (${made.modelRequests} model requests, ${made.eventsPerSession} events each)`,
    );
    const samples = await runAllDreams(environment, settings, made.sessionIds, log);
    results = withRatios(settings.sizes.map((size) => summarize(size, samples.get(size)!, settings.latencyMs)));
  } finally {
    await environment.close();
  }
  console.log(`\n${renderTable(results)}\n`);
  console.log(
    `÷ N0: over the same measure at N = ${settings.sizes[0]} (N grows ${settings.sizes.map((size) => `${size / settings.sizes[0]}×`).join(', ')}). ` +
      'tokens in counts every prompt token (uncached, cache-written, cache-read); tokens/session = (in + out) / N.\n' +
      'reflecting: first reflection request → last reflection answer; rest: the wall time around it (start-up, the consolidation request, ' +
      'copying the store, applying the change, saving the record).\n' +
      `overhead/round = reflecting / ⌈N/${PARALLEL_REFLECTIONS}⌉ − L, ` +
      `what one round of ${PARALLEL_REFLECTIONS} reflections takes beyond the model's L; parallel: most reflection requests in flight at once.`,
  );
  writeResults(settings, environment, made, results, performance.now() - began);
}

function writeResults(
  settings: Settings,
  environment: BenchEnvironment,
  made: SessionsMade,
  results: SizeResult[],
  runtimeMs: number,
): void {
  const report = {
    benchmark: 'dream',
    created_at: new Date().toISOString(),
    settings: {
      latency_ms: settings.latencyMs,
      sizes: settings.sizes,
      turns_per_session: settings.turns,
      parallel_sessions: settings.parallelSessions,
      repetitions: settings.repetitions,
      warmup_dreams: settings.warmupDreams,
      dream: {
        review: 'auto',
        output_behavior: 'create_new',
        max_parallel_reflections: PARALLEL_REFLECTIONS,
        transcript_budget_chars: 60_000,
      },
      scheduling:
        'sessions made first, several at once; then one dream at a time, smallest N first, each over the first N sessions',
    },
    sessions: {
      method: made.method,
      count: made.sessionIds.length,
      wall_ms: Math.round(made.wallMs),
      model_requests: made.modelRequests,
      events_per_session: made.eventsPerSession,
      usage: made.usage,
    },
    worker: {
      created_by: 'src/worker.ts createWorker, no concurrency options (SDK defaults)',
      ...environment.workerConcurrency,
    },
    machine: describeMachine(),
    formulas: {
      ratio_to_smallest: 'measure(N) / measure(smallest N)',
      per_session: 'measure(N) / N',
      model_critical_path_ms: '(ceil(N / 4) + 1) × latency',
      overhead_per_round_ms: 'reflecting / ceil(N / 4) − latency',
    },
    runtime_ms: Math.round(runtimeMs),
    results,
  };
  writeReport(settings.outFile, report);
}

runBenchmark(main);
