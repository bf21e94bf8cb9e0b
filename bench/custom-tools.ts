/**
 * A custom tool's round trip next to a built-in tool call, over the HTTP API.
 *
 *   npm run bench:custom-tools -- [--rounds 30] [--warmup 3] [--out FILE]
 *
 * Its own Temporal dev server, a Lucid worker and the API server (each its own process); the SDK client and the
 * scripted model (which answers at once) in this one. Two sessions, one turn each per round, interleaved: in one
 * the model calls a custom tool, which the official SDK's session tool runner (`events.toolRunner`, attached over
 * HTTP for the whole run) answers at once; in the other it calls Lucid's `write`. The figure is the time from the
 * model's answer asking for the tool to the next model request, which carries the result: for the custom tool
 * the `agent.custom_tool_use` event stored, streamed to the runner, its result posted back and applied by
 * Update; for the built-in one the tool activity. p50 / p99 of each.
 */
import Anthropic from '@anthropic-ai/sdk';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import os from 'node:os';
import path from 'node:path';
import type { Scenario } from '../src/scripted-model/scenario';
import { startApiServerProcess } from './lib/api-server-process';
import {
  describeMachine,
  fileTimestamp,
  readBenchOptions,
  runBenchmark,
  wholeNumber,
  writeReport,
} from './lib/options';
import { startProcessEnvironment, type ProcessEnvironment } from './lib/process-environment';
import { summarizeLatencies, type LatencySummary } from './lib/statistics';
import { formatTable } from './lib/table';

const USAGE = 'npm run bench:custom-tools -- [--rounds 30] [--warmup 3] [--out FILE]';
const API_KEY = 'lucid-bench-custom-tools-key';

const SCENARIO: Scenario = {
  description: 'bench/custom-tools.ts: one tool call per turn, then a short answer',
  rules: [
    {
      match: { last_user_text: 'custom' },
      reply: { content: [{ type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-1' } }] },
    },
    {
      match: { last_user_text: 'builtin' },
      reply: { content: [{ type: 'tool_use', name: 'write', input: { file_path: 'note.txt', content: 'hi' } }] },
    },
    { reply: { content: [{ type: 'text', text: 'Done.' }] } },
  ],
};

const CUSTOM_TOOL = {
  type: 'custom' as const,
  name: 'lookup_ticket',
  description: 'Look a ticket up',
  input_schema: { type: 'object' as const, properties: { id: { type: 'string' } } },
};

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One turn: a message, the tool call, its result, the answer; returns model answer → next model request, in ms. */
async function round(environment: ProcessEnvironment, sdk: Anthropic, sessionId: string, text: string) {
  const { model } = environment;
  const first = model.requests.length;
  await sdk.beta.sessions.events.send(sessionId, {
    events: [{ type: 'user.message', content: [{ type: 'text', text }] }],
  });
  await until(() => model.requests[first + 1]?.answered_at !== undefined, `the turn of ${text}`);
  await until(async () => (await sdk.beta.sessions.retrieve(sessionId)).status === 'idle', `${sessionId} idle`);
  return model.requests[first + 1].received_at - model.requests[first].answered_at!;
}

async function main(): Promise<void> {
  const options = readBenchOptions(process.argv.slice(2), { rounds: '30', warmup: '3' }, USAGE);
  const rounds = wholeNumber('rounds', options.rounds, 1, 10_000, USAGE);
  const warmup = wholeNumber('warmup', options.warmup, 0, 100, USAGE);
  const outFile = options.out ?? path.join(__dirname, 'results', `custom-tools-${fileTimestamp(new Date())}.json`);
  const log = (line: string) => console.log(`[bench:custom-tools] ${line}`);
  const began = performance.now();
  const loadBefore = os.loadavg();
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
    const { id: environmentId } = await sdk.beta.environments.create({ name: 'custom-tools-bench' });
    const agent = await sdk.beta.agents.create({
      name: 'custom-tools-bench',
      model: 'scripted-instant',
      tools: [{ type: 'agent_toolset_20260401' }, CUSTOM_TOOL],
    });
    const custom = await sdk.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
    const builtin = await sdk.beta.sessions.create({ agent: agent.id, environment_id: environmentId });
    const lookupTicket = betaTool({
      name: 'lookup_ticket',
      description: 'Look a ticket up',
      inputSchema: { type: 'object', properties: { id: { type: 'string' } } },
      run: ({ id }) => `${String(id)} is open`,
    });
    const runner = sdk.beta.sessions.events.toolRunner(custom.id, { tools: [lookupTicket], maxIdleMs: 0 });
    const running = (async () => {
      for await (const _call of runner) {
        // Each call is answered by the runner itself; nothing to do here.
      }
    })().catch(() => undefined);

    const samples = { custom_tool: [] as number[], builtin_tool: [] as number[] };
    log(`${warmup} warm-up rounds, then ${rounds} measured`);
    for (let index = 0; index < warmup + rounds; index++) {
      // Alternate which goes first, so drift on a shared machine touches both alike.
      const order = index % 2 === 0 ? (['custom', 'builtin'] as const) : (['builtin', 'custom'] as const);
      for (const kind of order) {
        const ms = await round(environment, sdk, kind === 'custom' ? custom.id : builtin.id, kind);
        if (index >= warmup) samples[kind === 'custom' ? 'custom_tool' : 'builtin_tool'].push(ms);
      }
    }
    runner.abort();
    await running;

    const summary: Record<string, LatencySummary> = {
      custom_tool: summarizeLatencies(samples.custom_tool),
      builtin_tool: summarizeLatencies(samples.builtin_tool),
    };
    const rows = [
      ['tool call (model answer → next model request)', 'p50 ms', 'p99 ms', 'max ms', 'rounds'],
      ...Object.entries(summary).map(([name, latency]) => [
        name === 'custom_tool' ? 'custom tool, answered by the SDK tool runner over HTTP' : 'built-in write',
        latency.p50.toFixed(1),
        latency.p99.toFixed(1),
        latency.max.toFixed(1),
        String(latency.count),
      ]),
    ];
    console.log(`\n${formatTable(rows)}\n`);
    writeReport(outFile, {
      benchmark: 'custom-tools',
      created_at: new Date().toISOString(),
      settings: { rounds, warmup },
      machine: { ...describeMachine(), load_average_before: loadBefore, load_average_after: os.loadavg() },
      worker_concurrency: worker.concurrency,
      runtime_ms: Math.round(performance.now() - began),
      round_trip_ms: summary,
    });
  } finally {
    for (const stop of stops) await stop().catch(() => {});
  }
}

runBenchmark(main);
