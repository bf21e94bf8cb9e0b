/**
 * The end-to-end demo: `npm run demo [-- --keep-running]`.
 *
 * Starts everything in one process: the pinned Temporal dev server (state in .lucid/temporal.db, web UI on
 * port 8233), a Lucid worker, the scripted model playing scenarios/demo.json (or Claude itself when
 * ANTHROPIC_API_KEY is set), and the Managed Agents HTTP API (src/api, port 4080, key `lucid-demo-key`). Then it
 * tells the story of scripts/lib/demo/acts.ts, printing every event as it happens: a lead agent delegates to two
 * sub-agents in parallel; the grader sends the first draft back and passes the revision; a dream over those
 * sessions proposes a memory, shown as a diff and approved as from the CLI; a last session starts with that lesson
 * in its memory; an analyst writes a Python script and runs it in the sandboxed shell (`bash`) to turn a CSV into
 * a report and a Word document; the official Anthropic SDK asks an agent of its own about that memory over HTTP.
 * It ends with a summary, the Temporal UI links and the wall time. Exits 0 when every act ended as it should.
 * `--keep-running` leaves the servers and the worker up until Ctrl-C, to explore the sessions in the Temporal UI,
 * with `lucid`, or with the SDK (examples/quickstart.mjs).
 */
import type Anthropic from '@anthropic-ai/sdk';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAnthropicClient } from '../src/activities/model';
import { ApiKeys } from '../src/api/api-keys';
import { buildApi } from '../src/api/app';
import { DEFAULT_HTTP_PORT } from '../src/api/server-settings';
import { userName } from '../src/cli/memory-access';
import { LucidClient } from '../src/client';
import { taskQueue } from '../src/config';
import { startScriptedModel, type ScriptedModel } from '../src/scripted-model/server';
import { createWorker } from '../src/worker';
import { storyProblems, tellTheStory, type Stage, type Story } from './lib/demo/acts';
import { DEMO_API_KEY, QUICKSTART_FILE, type ApiAccess } from './lib/demo/sdk-act';
import { renderSummary } from './lib/demo/summary';
import { freePort, startDevServer, type DevServer } from './lib/dev-server';

const projectRoot = path.resolve(__dirname, '..');
const dataDirectory = path.join(projectRoot, '.lucid');
const scenarioFile = path.join(projectRoot, 'scenarios', 'demo.json');
const PREFERRED_GRPC_PORT = 7233;
const PREFERRED_UI_PORT = 8233;
const NAMESPACE = 'default';
/** The dream's model; the scripted model answers any name. */
const DREAM_MODEL = 'claude-sonnet-4-6';

/** Things to stop at the end, stopped in reverse order of starting. */
class Shutdown {
  private readonly steps: Array<{ name: string; stop: () => Promise<unknown> }> = [];
  private running: Promise<void> | undefined;

  add(name: string, stop: () => Promise<unknown>): void {
    this.steps.push({ name, stop });
  }

  /** Runs every step once, even if some fail (each failure is reported). */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        await step.stop().catch((error: unknown) => say(`could not stop the ${step.name}: ${messageOf(error)}`));
      }
    })();
    return this.running;
  }
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const { values } = parseArgs({ options: { 'keep-running': { type: 'boolean', default: false } } });
  // The SDK's info logs (worker state, bundling) would drown the events the demo is about.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  fs.mkdirSync(dataDirectory, { recursive: true });

  const shutdown = new Shutdown();
  const stopOnSignal = () => {
    say('interrupted');
    void shutdown.run().then(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const removeSignalHandlers = () => {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
  };
  try {
    const server = await startServer(shutdown);
    const lucid = await connectClient(server, shutdown);
    await endLeftoverSessions(lucid.temporal);
    const anthropic = await chooseModel(shutdown);
    await startWorker(server, anthropic, shutdown);
    const api = await startApi(lucid, shutdown);
    const story = await tellTheStory(stageFor(lucid, api));
    const succeeded = finishTheStory(story, server, performance.now() - startedAt);
    if (values['keep-running']) {
      removeSignalHandlers(); // from here Ctrl-C is the normal way to finish
      await keepRunning(server, api, story.lesson.sessionId);
    }
    return succeeded ? 0 : 1;
  } finally {
    removeSignalHandlers();
    say('stopping the API, the worker, the model and the Temporal server');
    await shutdown.run();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Starting the pieces
// ---------------------------------------------------------------------------------------------------------------

async function startServer(shutdown: Shutdown): Promise<DevServer> {
  const port = await preferredOrFreePort(PREFERRED_GRPC_PORT, 'gRPC');
  const uiPort = await preferredOrFreePort(PREFERRED_UI_PORT, 'web UI');
  say(
    `starting the Temporal dev server on 127.0.0.1:${port} (state in ${relative(path.join(dataDirectory, 'temporal.db'))})`,
  );
  const server = await startDevServer({ port, uiPort, dbFilename: path.join(dataDirectory, 'temporal.db') });
  shutdown.add('Temporal server', () => server.stop());
  say(`Temporal web UI: http://localhost:${uiPort}`);
  return server;
}

/** Claude when an API key is set; otherwise the scripted model, which needs no network and no key. */
async function chooseModel(shutdown: Shutdown): Promise<Anthropic> {
  if (process.env.ANTHROPIC_API_KEY) {
    say('model: Claude through the Anthropic API (ANTHROPIC_API_KEY is set)');
    return createAnthropicClient();
  }
  const model: ScriptedModel = await startScriptedModel({ scenario: scenarioFile });
  shutdown.add('scripted model', () => model.close());
  say(`model: the scripted model playing ${relative(scenarioFile)} (set ANTHROPIC_API_KEY to use Claude)`);
  // The SDK insists on a key; this placeholder only ever goes to the local scripted model.
  return createAnthropicClient({ ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'scripted' });
}

async function startWorker(server: DevServer, anthropic: Anthropic, shutdown: Shutdown): Promise<Worker> {
  say('starting a Lucid worker (bundling the workflows takes a few seconds)');
  const connection = await NativeConnection.connect({ address: server.address });
  shutdown.add('worker connection', () => connection.close());
  const worker = await createWorker({
    connection,
    namespace: NAMESPACE,
    dataDir: dataDirectory,
    agentsDir: path.join(projectRoot, 'agents'),
    anthropic,
  });
  const running = worker.run();
  shutdown.add('worker', async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  });
  say(`worker polling task queue "${taskQueue()}"`);
  return worker;
}

async function connectClient(server: DevServer, shutdown: Shutdown): Promise<LucidClient> {
  const connection = await Connection.connect({ address: server.address });
  shutdown.add('client connection', () => connection.close());
  return new LucidClient({ client: new Client({ connection, namespace: NAMESPACE }), dataDir: dataDirectory });
}

/** The HTTP API in this process, on the worker's storage and this client's Temporal connection. */
async function startApi(lucid: LucidClient, shutdown: Shutdown): Promise<ApiAccess> {
  const port = await preferredOrFreePort(DEFAULT_HTTP_PORT, 'HTTP API');
  const app = buildApi({ storage: lucid.storage, keys: new ApiKeys([DEMO_API_KEY]), lucid });
  await app.listen({ port, host: '127.0.0.1' });
  shutdown.add('API server', () => app.close());
  const baseURL = `http://127.0.0.1:${port}`;
  say(`Managed Agents API on ${baseURL}/v1 (API key ${DEMO_API_KEY})`);
  return { baseURL, apiKey: DEMO_API_KEY };
}

/**
 * The server's state persists, so a session or dream cut short by an earlier Ctrl-C would resume as soon as the
 * worker starts, and use up the scripted model's answers (or Claude tokens) in the background. The database is the
 * demo's own, so ending whatever is still running there touches nothing else.
 */
async function endLeftoverSessions(client: Client): Promise<void> {
  const leftovers: string[] = [];
  for await (const execution of client.workflow.list({
    query: '(WorkflowType = "agentSession" OR WorkflowType = "dream") AND ExecutionStatus = "Running"',
  })) {
    leftovers.push(execution.workflowId);
  }
  for (const sessionId of leftovers) {
    await client.workflow
      .getHandle(sessionId)
      .terminate('ended by the demo at start-up: left running by an earlier run');
  }
  if (leftovers.length)
    say(`ended ${leftovers.length} workflow(s) an earlier demo run left unfinished: ${leftovers.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------------------------
// The story
// ---------------------------------------------------------------------------------------------------------------

/**
 * What the acts need: the client (with the worker's storage), the API, where to print, the dream's model and
 * reviewer.
 */
function stageFor(lucid: LucidClient, api: ApiAccess): Stage {
  return {
    lucid,
    api,
    stdout: process.stdout,
    dreamModel: DREAM_MODEL,
    reviewer: userName(undefined), // whom `lucid dreams review` names when no --by is given
  };
}

/** The summary, the UI links and the wall time; true when every act ended as it should. */
function finishTheStory(story: Story, server: DevServer, wallMs: number): boolean {
  heading('Summary');
  console.log(renderSummary(story, `http://localhost:${server.uiPort}/namespaces/${NAMESPACE}`).join('\n'));
  console.log(`\nwall time ${(wallMs / 1000).toFixed(1)} s (starting the server and the worker included)`);
  const problems = storyProblems(story);
  for (const problem of problems) say(problem);
  return problems.length === 0;
}

async function keepRunning(server: DevServer, api: ApiAccess, sessionId: string): Promise<void> {
  heading('Still running');
  console.log('The Temporal server, the worker and the API stay up until Ctrl-C. Try, in another terminal:');
  printTryThis(server, sessionId);
  printTryTheApi(api);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  console.log();
}

/** The commands `--keep-running` suggests, about the story's last session. */
function printTryThis(server: DevServer, sessionId: string): void {
  // The CLI's default address is localhost:7233; only a different port needs saying.
  const lucid =
    server.port === PREFERRED_GRPC_PORT ? 'npm run lucid --' : `TEMPORAL_ADDRESS=${server.address} npm run lucid --`;
  console.log(`  ${lucid} sessions`);
  console.log(`  ${lucid} events ${sessionId}`);
  console.log(`  ${lucid} status ${sessionId}`);
  // With Claude a new session can be anything; the scripted model answers what its script does not know with a
  // note on how to use Claude (the demo scenario's "fallback": "explain").
  console.log(`  ${lucid} run scribe "What is in your workspace?"`);
}

/** The API's address and key, and the README's SDK example to run against it. */
function printTryTheApi(api: ApiAccess): void {
  console.log(`\nThe Managed Agents API: base URL ${api.baseURL}, API key ${api.apiKey}, for example with the SDK:`);
  // The example's defaults are the demo's; only a different port needs saying.
  const env = api.baseURL === `http://127.0.0.1:${DEFAULT_HTTP_PORT}` ? '' : `LUCID_BASE_URL=${api.baseURL} `;
  console.log(`  ${env}node ${relative(QUICKSTART_FILE)}`);
  console.log(`  curl -H 'x-api-key: ${api.apiKey}' ${api.baseURL}/v1/sessions`);
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

/** The preferred port if nothing listens on it, else a free one (and says so). */
async function preferredOrFreePort(preferred: number, purpose: string): Promise<number> {
  if (await isPortFree(preferred)) return preferred;
  const port = await freePort();
  say(`port ${preferred} is taken (another Temporal server?); using port ${port} for the ${purpose} instead`);
  return port;
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function say(text: string): void {
  console.log(`[demo] ${text}`);
}

function heading(text: string): void {
  console.log(`\n== ${text} ==`);
}

function relative(file: string): string {
  return path.relative(process.cwd(), file) || '.';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`[demo] failed: ${messageOf(error)}`);
      process.exit(1);
    },
  );
}
