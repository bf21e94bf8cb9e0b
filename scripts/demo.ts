/**
 * The end-to-end demo: `npm run demo [-- --keep-running]`.
 *
 * Starts everything in one process: the pinned Temporal dev server (state in .lucid/temporal.db, web UI on
 * port 8233), a Lucid worker, and the scripted model playing scenarios/demo.json (or Claude itself when
 * ANTHROPIC_API_KEY is set). It then seeds a workspace with two meeting notes and has the `scribe` agent list,
 * read and change them, printing every event as it happens, the final snapshot and the files the agent wrote.
 * Exits 0 when the agent finished its turn normally. `--keep-running` leaves the server and worker up until
 * Ctrl-C, to explore the session in the Temporal UI or with `lucid`.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAnthropicClient } from '../src/activities/model';
import { renderSnapshot } from '../src/cli/render-snapshot';
import { watchSession } from '../src/cli/watch-session';
import { LucidClient } from '../src/client';
import { taskQueue } from '../src/config';
import type { SessionEvent } from '../src/domain/events';
import { startScriptedModel, type ScriptedModel } from '../src/scripted-model/server';
import { createWorker } from '../src/worker';
import { freePort, startDevServer, type DevServer } from './lib/dev-server';

const projectRoot = path.resolve(__dirname, '..');
const dataDirectory = path.join(projectRoot, '.lucid');
const scenarioFile = path.join(projectRoot, 'scenarios', 'demo.json');
const PREFERRED_GRPC_PORT = 7233;
const PREFERRED_UI_PORT = 8233;
const NAMESPACE = 'default';

const TASK = [
  'Read the meeting notes in this workspace and write summary.md with a bullet list of every action item',
  '(who does what, with dates where the notes give them). Also fix the typo in the notes.',
].join(' ');

/** The seeded workspace: two short meeting notes, one with a spelling mistake for the agent to fix. */
const NOTES: Record<string, string> = {
  'notes/standup-2024-06-03.md': `# Standup, Monday 3 June

- Ana: finishing the export feature; needs a review from Ben by Wednesday.
- Ben: on call this week; will look into the flaky login test.
- Chris: blocked on the staging database credentials.

Action: Ana sends the export pull request for review today.
Action: Chris asks ops for the staging credentials.
`,
  'notes/planning-2024-06-05.md': `# Planning, Wednesday 5 June

We agreed to ship the export feature in the next release and to recieve feedback from the beta group first.

## Decisions
- Release date: Friday 14 June.
- Ben owns the release checklist.

## Follow-ups
- Ana writes the release notes.
- Chris sets up the beta feedback form.
`,
};

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
    const { sessionId, succeeded } = await runTheTask(lucid, server);
    if (values['keep-running']) {
      removeSignalHandlers(); // from here Ctrl-C is the normal way to finish
      await keepRunning(server, sessionId);
    }
    return succeeded ? 0 : 1;
  } finally {
    removeSignalHandlers();
    say('stopping the worker, the model and the Temporal server');
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

/**
 * The server's state persists, so a session cut short by an earlier Ctrl-C would resume as soon as the worker
 * starts, and use up the scripted model's answers (or Claude tokens) in the background. The database is the
 * demo's own, so ending whatever is still running there touches nothing else.
 */
async function endLeftoverSessions(client: Client): Promise<void> {
  const leftovers: string[] = [];
  for await (const execution of client.workflow.list({
    query: 'WorkflowType = "agentSession" AND ExecutionStatus = "Running"',
  })) {
    leftovers.push(execution.workflowId);
  }
  for (const sessionId of leftovers) {
    await client.workflow
      .getHandle(sessionId)
      .terminate('ended by the demo at start-up: left running by an earlier run');
  }
  if (leftovers.length)
    say(`ended ${leftovers.length} session(s) an earlier demo run left unfinished: ${leftovers.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------------------------
// The task
// ---------------------------------------------------------------------------------------------------------------

/** Runs the scribe on the seeded workspace and prints what happened; `succeeded` if the turn ended normally. */
async function runTheTask(lucid: LucidClient, server: DevServer): Promise<{ sessionId: string; succeeded: boolean }> {
  const workspace = seedWorkspace();
  say(`workspace ${relative(workspace)} with ${Object.keys(NOTES).join(', ')}`);
  say(`task: ${TASK}`);
  const sessionId = await lucid.startSession({ agent: 'scribe', message: TASK, workspace });
  say(`session ${sessionId} started; its events:\n`);

  const result = await watchSession(lucid, sessionId, { stdout: process.stdout });
  if ('failure' in result) {
    say(`the session failed: ${result.failure}`);
    return { sessionId, succeeded: false };
  }
  heading('Final snapshot');
  console.log(renderSnapshot(result.snapshot));
  await printChangedFiles(lucid, sessionId, result.snapshot.workspace);

  heading('Explore');
  console.log(`session id   ${sessionId}`);
  console.log(
    `Temporal UI  http://localhost:${server.uiPort}/namespaces/${NAMESPACE}/workflows/${encodeURIComponent(sessionId)}`,
  );
  if (!result.ending.ok) say(`the session did not end normally: ${result.ending.reason}`);
  return { sessionId, succeeded: result.ending.ok };
}

function seedWorkspace(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const workspace = path.join(dataDirectory, 'workspaces', `demo-${stamp}`);
  for (const [file, content] of Object.entries(NOTES)) {
    fs.mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
    fs.writeFileSync(path.join(workspace, file), content);
  }
  return workspace;
}

/** Prints each file the agent wrote or edited successfully, as it is now. */
async function printChangedFiles(lucid: LucidClient, sessionId: string, workspace: string): Promise<void> {
  const files = changedFiles(await lucid.readEvents(sessionId, { limit: 100_000 }));
  heading(files.length ? 'Files the agent wrote' : 'The agent wrote no files');
  for (const file of files) {
    console.log(`--- ${file}`);
    console.log(fs.readFileSync(path.join(workspace, file), 'utf8').trimEnd());
    console.log();
  }
}

/** Paths of successful write_file and edit_file calls, in the order first written. */
function changedFiles(events: readonly SessionEvent[]): string[] {
  const writes = new Map<string, string>();
  const files = new Set<string>();
  for (const event of events) {
    if (event.type === 'agent.tool_use' && (event.name === 'write_file' || event.name === 'edit_file')) {
      if (typeof event.input.path === 'string') writes.set(event.tool_use_id, event.input.path);
    } else if (event.type === 'agent.tool_result' && !event.is_error && writes.has(event.tool_use_id)) {
      files.add(writes.get(event.tool_use_id)!);
    }
  }
  return [...files];
}

async function keepRunning(server: DevServer, sessionId: string): Promise<void> {
  // The CLI's default address is localhost:7233; only a different port needs saying.
  const lucid =
    server.port === PREFERRED_GRPC_PORT ? 'npm run lucid --' : `TEMPORAL_ADDRESS=${server.address} npm run lucid --`;
  heading('Still running');
  console.log('The Temporal server and the worker stay up until Ctrl-C. Try, in another terminal:');
  console.log(`  ${lucid} sessions`);
  console.log(`  ${lucid} events ${sessionId}`);
  console.log(`  ${lucid} status ${sessionId}`);
  // With Claude a new session can be anything; the scripted model answers what its script does not know with a
  // note on how to use Claude (the demo scenario's "fallback": "explain").
  console.log(`  ${lucid} run scribe "What is in your workspace?"`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  console.log();
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
