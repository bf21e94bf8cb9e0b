/**
 * What the outcome loop itself costs: the orchestration time each grading adds beyond the model's own latency.
 *
 *   npm run bench:outcomes -- [--latency-ms 200] [--sessions 10] [--warmup 1] [--out FILE]
 *
 * The scripted model answers every request (agent and grader) after a fixed latency L. Sessions run in four
 * configurations: no outcome; an outcome satisfied at the first grading; one that needs 1 revision; one that
 * needs 2. Sessions run one at a time (never concurrently, so they do not compete for the CPU), and the
 * configurations are interleaved round by round: drift in a noisy machine's speed then touches every
 * configuration alike, instead of whichever happened to run last.
 *
 * With k revisions a session makes k + 1 agent requests and k + 1 grader requests, against 1 agent request
 * without an outcome. So, per grading:
 *
 *   overhead = (wall(k) − wall(no outcome) − L × extra model requests) / (k + 1)
 *
 * which is the time spent persisting events, scheduling the grader activity, waking the workflow and sending
 * the agent back to work, over and above waiting for the model. It is reported in milliseconds and as a ratio
 * to L. The results are printed as a table and written as JSON to bench/results/.
 */
import path from 'node:path';
import {
  describeMachine,
  fileTimestamp,
  readBenchOptions,
  runBenchmark,
  wholeNumber,
  writeReport,
} from './lib/options';
import type { AgentDefinition } from '../src/domain/agent-definition';
import type { SessionEvent } from '../src/domain/events';
import type { OutcomeDefinitionInput } from '../src/domain/outcome';
import { ZERO_USAGE, type Usage } from '../src/domain/usage';
import type { Rule, Scenario } from '../src/scripted-model/scenario';
import type { RecordedRequest } from '../src/scripted-model/server';
import { startBenchEnvironment, type BenchEnvironment } from './lib/environment';
import { median, percentile } from './lib/statistics';
import { formatTable } from './lib/table';

// ---------------------------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------------------------

const USAGE = 'usage: npm run bench:outcomes -- [--latency-ms 200] [--sessions 10] [--warmup 1] [--out FILE]';

interface Settings {
  /** L: how long the scripted model takes to answer each request. */
  latencyMs: number;
  /** Measured sessions per configuration. */
  sessions: number;
  /** Rounds run first and not measured: the first sessions pay for cold caches and JIT compilation. */
  warmupRounds: number;
  outFile: string;
}

function readSettings(argv: string[]): Settings {
  const values = readBenchOptions(argv, { 'latency-ms': '200', sessions: '10', warmup: '1' }, USAGE);
  return {
    latencyMs: wholeNumber('latency-ms', values['latency-ms'], 0, 60_000, USAGE),
    sessions: wholeNumber('sessions', values.sessions, 1, 1_000, USAGE),
    warmupRounds: wholeNumber('warmup', values.warmup, 0, 100, USAGE),
    outFile: values.out ?? path.join(__dirname, 'results', `outcomes-${fileTimestamp(new Date())}.json`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The configurations and the script the model follows
// ---------------------------------------------------------------------------------------------------------------

/** One way to run a session: without an outcome (`revisions` null), or with one that needs that many revisions. */
interface Configuration {
  name: string;
  revisions: number | null;
}

const CONFIGURATIONS: readonly Configuration[] = [
  { name: 'no outcome', revisions: null },
  { name: 'outcome, 0 revisions', revisions: 0 },
  { name: 'outcome, 1 revision', revisions: 1 },
  { name: 'outcome, 2 revisions', revisions: 2 },
];

const AGENT_MARKER = 'BENCH-AGENT';
const agent: AgentDefinition = {
  name: 'bench-agent',
  model: 'scripted-bench',
  system: `${AGENT_MARKER}: answer the question in one short paragraph.`,
  tools: ['read_file', 'write_file'],
  max_turns: 10,
  max_tokens: 512,
};
const RUBRIC = '- The answer is complete\n';

/**
 * The outcome of a configuration. Its description carries `REVISIONS-k`, which the agent's script reads to
 * decide when its draft is finished.
 */
function outcomeFor(revisions: number): OutcomeDefinitionInput {
  return {
    description: `REVISIONS-${revisions}: answer the benchmark question.`,
    rubric: { type: 'text', content: RUBRIC },
    max_iterations: 3,
  };
}

/** The drafts the agent hands in; the grader's script passes the final one and sends any other back. */
const FINAL_DRAFT = 'Answer marked VERDICT-SATISFIED.';
const EARLY_DRAFT = 'Answer marked VERDICT-REVISE.';

/**
 * The script. Rules are tried in order, so the grader's come first (a grader request offers submit_verdict) and
 * the agent's most specific ones come before its defaults. After e gradings the agent's last message is the
 * grader's feedback "… evaluation e of 3 …"; it hands in the final draft once e reaches the revisions its
 * outcome's description asks for, and an early draft before that.
 */
function benchScenario(latencyMs: number): Scenario {
  const grader = (result: 'satisfied' | 'needs_revision', met: boolean, match: Rule['match']): Rule => ({
    match: { tools_include: 'submit_verdict', ...match },
    reply: {
      content: [
        {
          type: 'tool_use',
          name: 'submit_verdict',
          input: {
            result,
            explanation: met ? 'Complete.' : 'Not complete yet.',
            criteria: [{ criterion: 'The answer is complete', met, explanation: 'checked' }],
          },
        },
      ],
    },
  });
  const answer = (text: string, match: Rule['match']): Rule => ({
    match: { system: AGENT_MARKER, ...match },
    reply: { content: [{ type: 'text', text }] },
  });
  return {
    description: 'bench/outcomes.ts: agent and grader at a fixed latency',
    default_delay_ms: latencyMs,
    rules: [
      grader('satisfied', true, { request: 'VERDICT-SATISFIED' }),
      grader('needs_revision', false, {}),
      answer(FINAL_DRAFT, { last_user_text: 'evaluation 2 of' }),
      answer(EARLY_DRAFT, { last_user_text: 'evaluation 1 of', request: 'REVISIONS-2' }),
      answer(FINAL_DRAFT, { last_user_text: 'evaluation 1 of' }),
      answer(FINAL_DRAFT, { request: 'REVISIONS-0' }),
      answer(EARLY_DRAFT, { request: 'REVISIONS-' }),
      answer('The answer.', {}), // no outcome
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Running sessions
// ---------------------------------------------------------------------------------------------------------------

/** What one session took. */
interface Sample {
  sessionId: string;
  wallMs: number;
  agentRequests: number;
  graderRequests: number;
  /** Time the scripted model spent answering, summed over the session's requests (≈ L each). */
  modelBusyMs: number;
  agentUsage: Usage;
  graderUsage: Usage;
  gradings: number;
  /** From each span.outcome_evaluation_start to its end, by the events' timestamps (includes the grader's L). */
  gradingSpansMs: number[];
}

async function runSession(
  environment: BenchEnvironment,
  configuration: Configuration,
  sessionId: string,
): Promise<Sample> {
  const { lucid, model, store } = environment;
  const firstRequest = model.requests.length;
  const started = performance.now();
  await lucid.startSession({
    sessionId,
    agent,
    message: configuration.revisions === null ? 'Benchmark question, no outcome.' : 'Benchmark question.',
    ...(configuration.revisions === null ? {} : { outcome: outcomeFor(configuration.revisions) }),
  });
  const snapshot = await lucid.result(sessionId);
  const wallMs = performance.now() - started;
  // Sessions run one at a time, so every request since the start belongs to this session.
  const requests = model.requests.slice(firstRequest);
  const events = await store.readEvents(sessionId, { limit: 100_000 });
  const sample: Sample = {
    sessionId,
    wallMs,
    agentRequests: requests.filter((request) => !isGraderRequest(request)).length,
    graderRequests: requests.filter(isGraderRequest).length,
    modelBusyMs: requests.reduce(
      (total, request) => total + ((request.answered_at ?? request.received_at) - request.received_at),
      0,
    ),
    agentUsage: snapshot.usage,
    graderUsage: snapshot.grader_usage ?? ZERO_USAGE,
    gradings: events.filter((event) => event.type === 'span.outcome_evaluation_end').length,
    gradingSpansMs: gradingSpans(events),
  };
  checkSessionWentAsScripted(
    configuration,
    snapshot.outcome_evaluations.map((evaluation) => evaluation.result),
    sample,
  );
  return sample;
}

function isGraderRequest(request: RecordedRequest): boolean {
  return JSON.stringify(request.body?.tools ?? []).includes('submit_verdict');
}

function gradingSpans(events: SessionEvent[]): number[] {
  const startedAt = new Map<string, number>();
  const spans: number[] = [];
  for (const event of events) {
    if (event.type === 'span.outcome_evaluation_start') startedAt.set(event.id, Date.parse(event.processed_at));
    if (event.type === 'span.outcome_evaluation_end') {
      spans.push(Date.parse(event.processed_at) - (startedAt.get(event.outcome_evaluation_start_id) ?? Number.NaN));
    }
  }
  return spans;
}

/** A benchmark of the wrong thing is worse than none: stop if a session did not follow its script. */
function checkSessionWentAsScripted(configuration: Configuration, results: string[], sample: Sample): void {
  const expectedGradings = configuration.revisions === null ? 0 : configuration.revisions + 1;
  const expectedResults = configuration.revisions === null ? [] : ['satisfied'];
  const ok =
    sample.gradings === expectedGradings &&
    sample.graderRequests === expectedGradings &&
    sample.agentRequests === Math.max(1, expectedGradings) &&
    JSON.stringify(results) === JSON.stringify(expectedResults);
  if (!ok) {
    throw new Error(
      `session ${sample.sessionId} (${configuration.name}) did not go as scripted: ${sample.gradings} gradings, ` +
        `${sample.agentRequests} agent and ${sample.graderRequests} grader requests, outcomes ${JSON.stringify(results)}`,
    );
  }
}

/** Runs warm-up rounds, then the measured ones; each round runs one session of every configuration in turn. */
async function runAllRounds(
  environment: BenchEnvironment,
  settings: Settings,
  log: (line: string) => void,
): Promise<Map<Configuration, Sample[]>> {
  const samples = new Map(CONFIGURATIONS.map((configuration) => [configuration, [] as Sample[]]));
  const runId = Date.now().toString(36);
  const rounds = settings.warmupRounds + settings.sessions;
  for (let round = 0; round < rounds; round++) {
    const warmup = round < settings.warmupRounds;
    const walls: string[] = [];
    for (const [index, configuration] of CONFIGURATIONS.entries()) {
      const sample = await runSession(environment, configuration, `bench-${runId}-r${round}-c${index}`);
      if (!warmup) samples.get(configuration)!.push(sample);
      walls.push(`${Math.round(sample.wallMs)} ms`);
    }
    log(
      `${warmup ? 'warm-up round' : `round ${round - settings.warmupRounds + 1} of ${settings.sessions}`}: ${walls.join(', ')}`,
    );
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------------------

/** The summary of one configuration. */
interface ConfigurationResult {
  configuration: string;
  revisions: number | null;
  sessions: number;
  gradings: number;
  agent_requests: number;
  grader_requests: number;
  wall_ms: { median: number; p90: number; min: number; max: number };
  model_busy_ms_median: number;
  /** Medians per session. */
  agent_tokens: { input: number; output: number };
  grader_tokens: { input: number; output: number };
  grading_span_ms_median: number | null;
  /** Null for the configuration without an outcome, which is the baseline. */
  overhead_per_grading: { ms: number; ratio_to_latency: number } | null;
  samples: Sample[];
}

function summarize(
  configuration: Configuration,
  samples: Sample[],
  baseline: Sample[] | null,
  latencyMs: number,
): ConfigurationResult {
  const walls = samples.map((sample) => sample.wallMs);
  const gradings = median(samples.map((sample) => sample.gradings));
  const requests = (sample: Sample) => sample.agentRequests + sample.graderRequests;
  const spans = samples.flatMap((sample) => sample.gradingSpansMs);
  let overhead: ConfigurationResult['overhead_per_grading'] = null;
  if (baseline && gradings > 0) {
    const extraRequests = median(samples.map(requests)) - median(baseline.map(requests));
    const ms = (median(walls) - median(baseline.map((sample) => sample.wallMs)) - latencyMs * extraRequests) / gradings;
    overhead = { ms, ratio_to_latency: latencyMs > 0 ? ms / latencyMs : Number.NaN };
  }
  return {
    configuration: configuration.name,
    revisions: configuration.revisions,
    sessions: samples.length,
    gradings,
    agent_requests: median(samples.map((sample) => sample.agentRequests)),
    grader_requests: median(samples.map((sample) => sample.graderRequests)),
    wall_ms: { median: median(walls), p90: percentile(walls, 90), min: Math.min(...walls), max: Math.max(...walls) },
    model_busy_ms_median: median(samples.map((sample) => sample.modelBusyMs)),
    agent_tokens: medianTokens(samples.map((sample) => sample.agentUsage)),
    grader_tokens: medianTokens(samples.map((sample) => sample.graderUsage)),
    grading_span_ms_median: spans.length ? median(spans) : null,
    overhead_per_grading: overhead,
    samples,
  };
}

/** "Input" counts every prompt token: uncached, written to the cache and read from it. */
function medianTokens(usages: Usage[]): { input: number; output: number } {
  return {
    input: median(
      usages.map((usage) => usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens),
    ),
    output: median(usages.map((usage) => usage.output_tokens)),
  };
}

function renderTable(results: ConfigurationResult[]): string {
  const count = (value: number) => Math.round(value).toLocaleString('en-US');
  const header = [
    'configuration',
    'gradings',
    'requests (agent+grader)',
    'wall median ms',
    'wall p90 ms',
    'agent tokens in/out',
    'grader tokens in/out',
    'overhead/grading ms',
    '÷ L',
  ];
  const rows = results.map((result) => [
    result.configuration,
    String(result.gradings),
    `${result.agent_requests}+${result.grader_requests}`,
    count(result.wall_ms.median),
    count(result.wall_ms.p90),
    `${count(result.agent_tokens.input)}/${count(result.agent_tokens.output)}`,
    `${count(result.grader_tokens.input)}/${count(result.grader_tokens.output)}`,
    result.overhead_per_grading ? count(result.overhead_per_grading.ms) : '—',
    result.overhead_per_grading ? result.overhead_per_grading.ratio_to_latency.toFixed(2) : '—',
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
    `L = ${settings.latencyMs} ms per model request; ${settings.sessions} measured sessions per configuration ` +
      `(+${settings.warmupRounds} warm-up), one at a time, configurations interleaved`,
  );
  const began = performance.now();
  const environment = await startBenchEnvironment(benchScenario(settings.latencyMs), log);
  let results: ConfigurationResult[];
  try {
    const samples = await runAllRounds(environment, settings, log);
    const baseline = samples.get(CONFIGURATIONS[0])!;
    results = CONFIGURATIONS.map((configuration) =>
      summarize(
        configuration,
        samples.get(configuration)!,
        configuration.revisions === null ? null : baseline,
        settings.latencyMs,
      ),
    );
  } finally {
    await environment.close();
  }
  console.log(`\n${renderTable(results)}\n`);
  console.log(
    'overhead/grading = (wall median − no-outcome wall median − L × extra model requests) / gradings; ÷ L is that as a multiple of L.',
  );
  writeResults(settings, results, performance.now() - began);
}

function writeResults(settings: Settings, results: ConfigurationResult[], runtimeMs: number): void {
  const report = {
    benchmark: 'outcomes',
    created_at: new Date().toISOString(),
    settings: {
      latency_ms: settings.latencyMs,
      sessions_per_configuration: settings.sessions,
      warmup_rounds: settings.warmupRounds,
      scheduling: 'sequential: one session at a time, configurations interleaved round by round',
    },
    machine: describeMachine(),
    overhead_formula: '(wall median(k) − wall median(no outcome) − latency × extra model requests) / gradings(k)',
    runtime_ms: Math.round(runtimeMs),
    results,
  };
  writeReport(settings.outFile, report);
}

runBenchmark(main);
