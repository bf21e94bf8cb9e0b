/**
 * Prompt caching: how much of a long session's input the model reads from its prompt cache, against the most the
 * cache breakpoints could allow.
 *
 *   npm run bench:caching -- [--requests 30] [--user-turns 3] [--out FILE]
 *
 * One session per variant makes `--requests` model requests (the snapshot's `turns`), split over `--user-turns`
 * user messages: in each user turn the agent reads files and greps one (parallel tool calls) per request, then
 * ends its turn with a short text; the next user message follows. Three variants:
 *
 *   - small: a one-line system prompt and tiny files, so the prompt is mostly the five tool definitions;
 *   - realistic: a ~3,000-token system prompt and ~1,500-token files, as a coding agent sees them;
 *   - wide: as realistic, but 10 files read in parallel per request, so each request adds 23 blocks: more than
 *     the cache's 20-block look-back from the newest block, so only the breakpoint where the previous request's
 *     prompt ended lets it read that request's entry. This is the variant that shows that breakpoint matters.
 *
 * Measured: the scripted model's usage for each request (as the SDK received it, from the session's
 * `span.model_request_end` events): cache reads ÷ all input tokens (uncached + written + read). The scripted
 * model's simulated cache (src/scripted-model/usage.ts) looks for an earlier entry only within the API's
 * 20-block look-back of a breakpoint, newest breakpoint first, so its reads are what the breakpoints placed by
 * src/domain/transcript.ts (withCacheBreakpoints: last tool, system prompt, end of the previous request's
 * prompt, newest block) earn under that rule.
 *
 * Upper bound: for request i, the most that could be a cache read is the longest prefix it shares with what
 * earlier requests wrote to the cache. With ideal breakpoints an earlier request writes its whole prompt (a
 * breakpoint on its last block), so the bound is the longest prefix, in whole blocks, that request i shares with
 * any earlier request of the session. When request i extends request i−1 (as an agent loop's requests do), that
 * is the whole of request i−1's prompt: tools + system + all messages of i−1. The first request can read nothing.
 * Both numbers are counted from the requests the scripted model recorded, with its own token estimate, so they
 * are in the same units. The gap (bound − measured) is what the breakpoint placement leaves on the table.
 *
 * The simulated cache is still kinder than the real API in one way: it has no minimum cacheable length (the real
 * API writes nothing below 1,024–4,096 tokens, by model), so the benchmark counts the requests below the most
 * lenient minimum.
 *
 * Relative input cost uses the 5-minute-TTL prices: a cache write costs 1.25× an uncached input token, a read
 * 0.1×. The ideal cost assumes everything not read is written. The results are printed as tables and written as
 * JSON to bench/results/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../src/domain/agent-definition';
import type { SessionEvent } from '../src/domain/events';
import type { Usage } from '../src/domain/usage';
import type { Rule, Scenario, ScriptedBlock } from '../src/scripted-model/scenario';
import type { RecordedRequest } from '../src/scripted-model/server';
import { CACHE_LOOKBACK_BLOCKS } from '../src/scripted-model/usage';
import { startBenchEnvironment, type BenchEnvironment } from './lib/environment';
import {
  describeMachine,
  fileTimestamp,
  readBenchOptions,
  runBenchmark,
  wholeNumber,
  writeReport,
} from './lib/options';
import { promptOf, sharedBlocks, tokensOfFirst, type Prompt } from './lib/prompt-blocks';
import { formatTable } from './lib/table';
import { openStorage } from '../src/storage/open-storage';

// ---------------------------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------------------------

const USAGE = 'usage: npm run bench:caching -- [--requests 30] [--user-turns 3] [--out FILE]';

interface Settings {
  /** Model requests per session. */
  requests: number;
  /** User messages the requests are split over; must divide `requests`. */
  userTurns: number;
  outFile: string;
}

function readSettings(argv: string[]): Settings {
  const values = readBenchOptions(argv, { requests: '30', 'user-turns': '3' }, USAGE);
  const requests = wholeNumber('requests', values.requests, 1, 500, USAGE);
  const userTurns = wholeNumber('user-turns', values['user-turns'], 1, 50, USAGE);
  if (requests % userTurns !== 0)
    throw new Error(`--user-turns (${userTurns}) must divide --requests (${requests})\n${USAGE}`);
  return {
    requests,
    userTurns,
    outFile: values.out ?? path.join(__dirname, 'results', `caching-${fileTimestamp(new Date())}.json`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Variants: the agent, its workspace and the script the model follows
// ---------------------------------------------------------------------------------------------------------------

interface Variant {
  name: string;
  system: string;
  /** Size of each workspace file the agent reads. */
  fileChars: number;
  /** Files read in parallel per request (plus one grep). */
  reads: number;
}

const VARIANTS: readonly Variant[] = [
  { name: 'small', system: 'You are a careful assistant working in a workspace folder.', fileChars: 300, reads: 1 },
  { name: 'realistic', system: longSystemPrompt(12_000), fileChars: 6_000, reads: 1 },
  { name: 'wide', system: longSystemPrompt(12_000), fileChars: 800, reads: 10 },
];

/**
 * The real API's smallest cacheable prompt, for the most lenient models (others need 2,048 or 4,096). The
 * simulated cache has no minimum, so requests below it are reported: their reads overstate the API's.
 */
const MIN_CACHEABLE_TOKENS = 1_024;

function agentFor(variant: Variant, requestsPerTurn: number): AgentDefinition {
  return {
    name: `caching-${variant.name}`,
    // Its own model name per variant: the model is part of every cache key, so variants never share entries.
    model: `scripted-caching-${variant.name}`,
    system: variant.system,
    tools: ['read_file', 'write_file', 'edit_file', 'list_files', 'grep'],
    max_turns: requestsPerTurn + 5,
    max_tokens: 1024,
  };
}

/**
 * Per user turn t: (requestsPerTurn − 1) replies that read `turn-t/part-n-k.ts` (k = 1 … reads) and grep the
 * first, then one that ends the turn. Rules with `times` answer in order, and requests never overlap, so the
 * script runs as written.
 */
function cachingScenario(variant: Variant, userTurns: number, requestsPerTurn: number): Scenario {
  const rules: Rule[] = [];
  for (let turn = 1; turn <= userTurns; turn++) {
    const file = (k: number) => `turn-${turn}/part-{{n}}-${k}.ts`;
    const reads: ScriptedBlock[] = Array.from({ length: variant.reads }, (_, k) => ({
      type: 'tool_use',
      name: 'read_file',
      input: { path: file(k + 1) },
    }));
    if (requestsPerTurn > 1) {
      rules.push({
        times: requestsPerTurn - 1,
        reply: {
          content: [
            { type: 'text', text: `Looking at part {{n}} of turn ${turn}.` },
            ...reads,
            { type: 'tool_use', name: 'grep', input: { pattern: 'export function', path: file(1) } },
          ],
        },
      });
    }
    rules.push({
      times: 1,
      reply: { content: [{ type: 'text', text: `Turn ${turn} done: the parts are consistent.` }] },
    });
  }
  return { description: 'bench/prompt-caching.ts: read and grep one file per request', rules };
}

/** Writes the files the script reads: `turn-t/part-n-k.ts` for every user turn, request and parallel read. */
function prepareWorkspace(dir: string, variant: Variant, userTurns: number, requestsPerTurn: number): void {
  for (let turn = 1; turn <= userTurns; turn++) {
    fs.mkdirSync(path.join(dir, `turn-${turn}`), { recursive: true });
    for (let part = 1; part < requestsPerTurn; part++) {
      for (let k = 1; k <= variant.reads; k++) {
        fs.writeFileSync(
          path.join(dir, `turn-${turn}`, `part-${part}-${k}.ts`),
          sourceFile(`t${turn}p${part}f${k}`, variant.fileChars),
        );
      }
    }
  }
}

/** TypeScript-looking text of about `chars` characters, different per file. */
function sourceFile(tag: string, chars: number): string {
  let text = `// Module ${tag}: helpers for the benchmark workspace.\n`;
  for (let index = 0; text.length < chars; index++) {
    text +=
      `\n/** Scales a value for case ${index} of ${tag}; kept small so reviews stay easy. */\n` +
      `export function scale_${tag}_${index}(value: number): number {\n` +
      `  if (!Number.isFinite(value)) throw new Error('scale_${tag}_${index}: not a finite number');\n` +
      `  return value * ${index + 2};\n}\n`;
  }
  return text.slice(0, chars);
}

/** A system prompt of about `chars` characters: numbered working rules, as long agent prompts are. */
function longSystemPrompt(chars: number): string {
  const topics = [
    'reading files',
    'editing code',
    'running checks',
    'naming things',
    'writing tests',
    'reporting back',
  ];
  let text = 'You are a careful software engineer working in a workspace folder. Follow these rules.\n';
  for (let index = 1; text.length < chars; index++) {
    const topic = topics[index % topics.length];
    text +=
      `${index}. On ${topic}: inspect the relevant files before acting, keep each change small and reversible, ` +
      `say what you verified and what you assumed, and stop to ask when rule ${index} conflicts with the task.\n`;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------------------
// Running one session
// ---------------------------------------------------------------------------------------------------------------

/** A model request as the scripted model recorded it, with the usage it answered (as the session logged it). */
interface AnsweredRequest {
  request: RecordedRequest;
  usage: Usage;
}

/** Runs one variant's session to its last user turn; returns its requests in order. */
async function runVariant(
  environment: BenchEnvironment,
  variant: Variant,
  settings: Settings,
  log: (line: string) => void,
): Promise<AnsweredRequest[]> {
  const { lucid, model } = environment;
  const requestsPerTurn = settings.requests / settings.userTurns;
  model.setScenario(cachingScenario(variant, settings.userTurns, requestsPerTurn));
  const workspace = openStorage({ dataDir: environment.dataDir }).defaultWorkspace(`bench-${variant.name}`);
  prepareWorkspace(workspace, variant, settings.userTurns, requestsPerTurn);
  const firstRequest = model.requests.length;
  const sessionId = `caching-${variant.name}-${Date.now().toString(36)}`;
  // Kept alive between user turns; it is left idle at the end and goes away with the in-memory dev server.
  await lucid.startSession({
    sessionId,
    agent: agentFor(variant, requestsPerTurn),
    message: 'Check every part of turn 1.',
    workspace,
    keep_alive_seconds: 600,
  });
  for (let turn = 1; turn <= settings.userTurns; turn++) {
    if (turn > 1) await lucid.sendMessage(sessionId, `Now check every part of turn ${turn}.`);
    await waitUntilIdleAfter(environment, sessionId, turn * requestsPerTurn);
    log(`${variant.name}: user turn ${turn} of ${settings.userTurns} done`);
  }
  const requests = model.requests.slice(firstRequest);
  // The client's reader adds events the workflow holds but has not persisted yet (the idle status shows first).
  const usages = modelUsages(await lucid.readEvents(sessionId, { limit: 100_000 }));
  checkWentAsScripted(variant, requests, usages, settings.requests);
  return requests.map((request, index) => ({ request, usage: usages[index] }));
}

/** Polls the session until it is idle with at least `requests` model requests made. */
async function waitUntilIdleAfter(environment: BenchEnvironment, sessionId: string, requests: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const snapshot = await environment.lucid.snapshot(sessionId);
    if (snapshot && snapshot.status === 'idle' && snapshot.turns >= requests) return;
    if (snapshot?.status === 'terminated')
      throw new Error(`session ${sessionId} ended early: ${JSON.stringify(snapshot.stop_reason)}`);
    if (Date.now() > deadline) throw new Error(`session ${sessionId} did not reach ${requests} requests within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The usage of each successful model request, from the session's log: what the SDK got back. */
function modelUsages(events: SessionEvent[]): Usage[] {
  return events.flatMap((event) =>
    event.type === 'span.model_request_end' && !event.is_error ? [event.model_usage] : [],
  );
}

/** A benchmark of the wrong thing is worse than none: stop if the session did not follow its script. */
function checkWentAsScripted(variant: Variant, requests: RecordedRequest[], usages: Usage[], expected: number): void {
  const unanswered = requests.filter((request) => request.rule_index === null).length;
  if (requests.length !== expected || usages.length !== expected || unanswered > 0) {
    throw new Error(
      `${variant.name}: expected ${expected} answered requests, got ${requests.length} requests ` +
        `(${unanswered} unanswered) and ${usages.length} successful model calls in the log`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Measured share and upper bound, per request
// ---------------------------------------------------------------------------------------------------------------

interface RequestResult {
  /** 1-based position in the session. */
  request: number;
  input_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  /** The most that could have been read: the longest prefix shared with an earlier request. */
  bound_tokens: number;
  /** The prompt starts with the whole of request i−1's prompt. */
  extends_previous: boolean;
  blocks: number;
  /** Blocks after the previous request's prompt; from 20 on, only the previous-end breakpoint reaches its entry. */
  new_blocks: number;
  breakpoints: number;
}

function analyseRequests(session: AnsweredRequest[]): RequestResult[] {
  const prompts: Prompt[] = session.map(({ request }) => promptOf(request.body));
  return session.map(({ usage }, index) => {
    const prompt = prompts[index];
    const total = usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
    if (total !== prompt.tokens)
      throw new Error(`request ${index + 1}: usage adds up to ${total} tokens, the prompt has ${prompt.tokens}`);
    const previous = index > 0 ? prompts[index - 1] : null;
    const sharedWithPrevious = previous ? sharedBlocks(prompt, previous) : 0;
    return {
      request: index + 1,
      input_tokens: prompt.tokens,
      cache_read_tokens: usage.cache_read_input_tokens,
      cache_write_tokens: usage.cache_creation_input_tokens,
      bound_tokens: upperBound(prompt, prompts.slice(0, index)),
      extends_previous: previous !== null && sharedWithPrevious === previous.blocks.length,
      blocks: prompt.blocks.length,
      new_blocks: prompt.blocks.length - sharedWithPrevious,
      breakpoints: prompt.blocks.filter((block) => block.breakpoint).length,
    };
  });
}

/** The longest prefix, in whole blocks, that a prompt shares with any earlier one, in tokens. */
function upperBound(prompt: Prompt, earlier: Prompt[]): number {
  return earlier.reduce((best, other) => Math.max(best, tokensOfFirst(prompt, sharedBlocks(prompt, other))), 0);
}

interface VariantResult {
  variant: string;
  system_prompt_tokens_approx: number;
  file_chars: number;
  parallel_reads: number;
  requests: number;
  input_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  bound_tokens: number;
  measured_share: number;
  bound_share: number;
  /** bound_share − measured_share. */
  gap: number;
  /** Input cost relative to sending every token uncached (write 1.25×, read 0.1×). */
  relative_cost: { measured: number; ideal: number };
  requests_not_extending_previous: number[];
  requests_over_lookback: number[];
  requests_below_min_cacheable: number;
  max_breakpoints: number;
  per_request: RequestResult[];
}

function summarize(variant: Variant, perRequest: RequestResult[]): VariantResult {
  const sum = (pick: (result: RequestResult) => number) =>
    perRequest.reduce((total, result) => total + pick(result), 0);
  const input = sum((result) => result.input_tokens);
  const read = sum((result) => result.cache_read_tokens);
  const written = sum((result) => result.cache_write_tokens);
  const bound = sum((result) => result.bound_tokens);
  return {
    variant: variant.name,
    system_prompt_tokens_approx: Math.ceil(variant.system.length / 4),
    file_chars: variant.fileChars,
    parallel_reads: variant.reads,
    requests: perRequest.length,
    input_tokens: input,
    cache_read_tokens: read,
    cache_write_tokens: written,
    bound_tokens: bound,
    measured_share: read / input,
    bound_share: bound / input,
    gap: (bound - read) / input,
    relative_cost: {
      measured: (input - read - written + 1.25 * written + 0.1 * read) / input,
      ideal: (1.25 * (input - bound) + 0.1 * bound) / input,
    },
    requests_not_extending_previous: perRequest
      .filter((result) => result.request > 1 && !result.extends_previous)
      .map((result) => result.request),
    requests_over_lookback: perRequest
      .filter((result) => result.request > 1 && result.new_blocks >= CACHE_LOOKBACK_BLOCKS)
      .map((result) => result.request),
    requests_below_min_cacheable: perRequest.filter((result) => result.input_tokens < MIN_CACHEABLE_TOKENS).length,
    max_breakpoints: Math.max(...perRequest.map((result) => result.breakpoints)),
    per_request: perRequest,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------------------------

const count = (value: number) => value.toLocaleString('en-US');
const percent = (value: number) => `${(100 * value).toFixed(1)}%`;

function perRequestTable(result: VariantResult): string {
  const header = [
    'request',
    'input tok',
    'cache read',
    'bound',
    'read %',
    'bound %',
    'gap tok',
    'new blocks',
    'breakpoints',
    'extends i−1',
  ];
  const rows = result.per_request.map((row) => [
    String(row.request),
    count(row.input_tokens),
    count(row.cache_read_tokens),
    count(row.bound_tokens),
    percent(row.cache_read_tokens / row.input_tokens),
    percent(row.bound_tokens / row.input_tokens),
    count(row.bound_tokens - row.cache_read_tokens),
    String(row.new_blocks),
    String(row.breakpoints),
    row.request === 1 ? '—' : row.extends_previous ? 'yes' : 'NO',
  ]);
  return formatTable([header, ...rows]);
}

function summaryTable(results: VariantResult[]): string {
  const header = [
    'variant',
    'requests',
    'input tok',
    'cache read',
    'bound',
    'read share',
    'bound share',
    'gap',
    'cost vs uncached',
    'ideal cost',
  ];
  const rows = results.map((result) => [
    result.variant,
    String(result.requests),
    count(result.input_tokens),
    count(result.cache_read_tokens),
    count(result.bound_tokens),
    percent(result.measured_share),
    percent(result.bound_share),
    percent(result.gap),
    percent(result.relative_cost.measured),
    percent(result.relative_cost.ideal),
  ]);
  return formatTable([header, ...rows]);
}

/** What a reader should check beyond the shares: any request that broke the prefix, and the simulation's blind spot. */
function findings(result: VariantResult): string[] {
  const lines: string[] = [];
  if (result.requests_not_extending_previous.length)
    lines.push(`requests not extending the previous prompt: ${result.requests_not_extending_previous.join(', ')}`);
  if (result.requests_over_lookback.length) lines.push(overLookbackFinding(result));
  if (result.max_breakpoints > 4)
    lines.push(`up to ${result.max_breakpoints} breakpoints in a request: the API allows 4`);
  if (result.requests_below_min_cacheable)
    lines.push(
      `${result.requests_below_min_cacheable} requests under ${count(MIN_CACHEABLE_TOKENS)} tokens: the real API writes no entry for them`,
    );
  return lines.map((line) => `${result.variant}: ${line}`);
}

/** Requests whose newest block is beyond the look-back of the previous entry: did the previous-end breakpoint reach it? */
function overLookbackFinding(result: VariantResult): string {
  const over = new Set(result.requests_over_lookback);
  const short = result.per_request
    .filter((row) => over.has(row.request) && row.cache_read_tokens < row.bound_tokens)
    .map((row) => row.request);
  const which = `requests adding ${CACHE_LOOKBACK_BLOCKS}+ blocks (beyond the look-back from the newest block): ${result.requests_over_lookback.join(', ')}`;
  return short.length
    ? `${which}; reading less than the bound: ${short.join(', ')}`
    : `${which}; all still read up to the bound, through the breakpoint where the previous request ended`;
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const settings = readSettings(process.argv.slice(2));
  const log = (line: string) => console.log(`[bench] ${line}`);
  log(
    `${settings.requests} model requests per session over ${settings.userTurns} user turns; variants: ${VARIANTS.map((variant) => variant.name).join(', ')}`,
  );
  const began = performance.now();
  const environment = await startBenchEnvironment({ rules: [] }, log);
  const results: VariantResult[] = [];
  try {
    for (const variant of VARIANTS)
      results.push(summarize(variant, analyseRequests(await runVariant(environment, variant, settings, log))));
  } finally {
    await environment.close();
  }
  for (const result of results) console.log(`\n${result.variant}: per request\n${perRequestTable(result)}`);
  console.log(`\n${summaryTable(results)}\n`);
  console.log(
    'bound = the longest prefix each request shares with an earlier one (all of request i−1 when it extends it); gap = bound share − read share.',
  );
  console.log(
    'cost vs uncached: input cost with cache writes at 1.25× and reads at 0.1×; ideal cost: reads at the bound, everything else written.',
  );
  console.log(
    `new blocks: added since the previous request; from ${CACHE_LOOKBACK_BLOCKS} on, the newest block's look-back cannot reach the previous request's entry.`,
  );
  for (const line of results.flatMap(findings)) console.log(line);
  writeResults(settings, results, performance.now() - began);
}

function writeResults(settings: Settings, results: VariantResult[], runtimeMs: number): void {
  writeReport(settings.outFile, {
    benchmark: 'prompt-caching',
    created_at: new Date().toISOString(),
    settings: { requests: settings.requests, user_turns: settings.userTurns },
    simulated_cache_lookback_blocks: CACHE_LOOKBACK_BLOCKS,
    machine: describeMachine(),
    bound_definition:
      'per request: the longest prefix (whole blocks: tools, system blocks, message content blocks) shared with any earlier request of the session; 0 for the first',
    token_units: 'src/scripted-model/usage.ts estimate: ceil(JSON characters of each block without cache_control / 4)',
    runtime_ms: Math.round(runtimeMs),
    results,
  });
}

runBenchmark(main);
