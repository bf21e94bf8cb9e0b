/**
 * Records the histories replayed by test/workflows/replay.test.ts: runs each scenario of
 * test/fixtures/history-scenarios.ts on a fresh dev server with a real worker and the scripted model, and
 * writes test/fixtures/histories/<name>.json for those not recorded yet (every run of a session that
 * continued-as-new; a dream up to its wait for review). `npm run record-histories`.
 */
import { Client, Connection, WorkflowNotFoundError, WorkflowUpdateStage } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DREAM_HISTORY_SCENARIOS,
  HISTORY_SCENARIOS,
  type DreamHistoryScenario,
  type EarlyAnswer,
  type HistoryScenario,
  type PendingAnswer,
} from '../test/fixtures/history-scenarios';
import { ticketWorker } from '../test/helpers/ticket-worker';
import { LucidClient } from '../src/client';
import { createAnthropicClient } from '../src/activities/model';
import { startScriptedModel, type ScriptedModel } from '../src/scripted-model/server';
import { createWorker } from '../src/worker';
import { startDevServer, type DevServer } from './lib/dev-server';
import { ensureTemporalCli } from './lib/temporal-cli';
import {
  customToolResultUpdate,
  interruptSignal,
  toolConfirmationSignal,
  userMessageSignal,
  type CustomToolResult,
} from '../src/workflows/api/session-api';
import { eventId } from '../src/domain/ids';

const outputDir = path.resolve(__dirname, '..', 'test', 'fixtures', 'histories');

interface Recorder {
  server: DevServer;
  lucid: LucidClient;
  model: ScriptedModel;
  dataDir: string;
}

async function main(): Promise<void> {
  // Recorded histories are frozen: they prove today's code replays sessions started by older code.
  const isNew = ({ name }: { name: string }) => {
    if (!fs.existsSync(fileOf(name)) || process.argv.includes('--overwrite')) return true;
    console.log(`kept ${name} (already recorded; --overwrite replaces it)`);
    return false;
  };
  const sessions = HISTORY_SCENARIOS.filter(isNew);
  const dreams = DREAM_HISTORY_SCENARIOS.filter(isNew);
  const plain = sessions.filter((candidate) => !candidate.suggestContinueAsNewAt);
  if (plain.length + dreams.length > 0)
    await withRecorder([], async (recorder) => {
      for (const scenario of plain) await recordSession(recorder, scenario);
      for (const scenario of dreams) await recordDream(recorder, scenario);
    });
  for (const scenario of sessions.filter((candidate) => candidate.suggestContinueAsNewAt)) {
    const limit = `limit.historyCount.suggestContinueAsNew=${scenario.suggestContinueAsNewAt}`;
    await withRecorder(['--dynamic-config-value', limit], (recorder) => recordSession(recorder, scenario));
  }
}

/** A fresh dev server (started with `serverArgs`), a worker on it and the scripted model, for `record`. */
async function withRecorder(serverArgs: string[], record: (recorder: Recorder) => Promise<void>): Promise<void> {
  const server = await startDevServer({ extraArgs: serverArgs });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-record-'));
  const model = await startScriptedModel({ scenario: { rules: [] } });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const taskQueue = 'lucid-record';
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    dataDir,
    anthropic: createAnthropicClient({ ANTHROPIC_BASE_URL: model.url, ANTHROPIC_API_KEY: 'scripted' }),
  });
  const lucid = new LucidClient({ client: new Client({ connection }), taskQueue, dataDir });
  try {
    await worker.runUntil(() => record({ server, lucid, model, dataDir }));
  } finally {
    await model.close();
    await connection.close();
    await nativeConnection.close();
    await server.stop();
  }
}

async function recordSession(recorder: Recorder, scenario: HistoryScenario): Promise<void> {
  if (!scenario.ticketWorkerQueue) return runAndWriteSession(recorder, scenario);
  const tickets = ticketWorker(recorder.server.address, { taskQueue: scenario.ticketWorkerQueue });
  await tickets.start();
  try {
    await runAndWriteSession(recorder, scenario);
  } finally {
    await tickets.stop();
  }
}

async function runAndWriteSession({ server, lucid, model }: Recorder, scenario: HistoryScenario): Promise<void> {
  model.setScenario(scenario.scenario);
  const input = { ...scenario.input };
  if (scenario.attachNewMemoryStore) {
    const store = await lucid.storage.memory.createStore({
      name: scenario.attachNewMemoryStore,
    });
    input.memory_stores = [{ memory_store_id: store.id, access: 'read_write' }];
  }
  const release = scenario.earlyAnswers ? model.hold() : undefined;
  const sessionId = await lucid.startSession({ ...input, sessionId: `replay-${scenario.name}` });
  if (release) await sendEarlyAnswers(lucid, model, sessionId, scenario.earlyAnswers ?? [], release);
  if (scenario.pendingAnswers) await answerPendingCalls(lucid, sessionId, scenario.pendingAnswers);
  for (const text of scenario.followUps ?? []) {
    await waitUntilIdle(lucid, sessionId);
    await sendFollowUp(lucid, sessionId, text, scenario.requests ?? 'signals');
  }
  if (scenario.archive) {
    await waitUntilIdle(lucid, sessionId);
    await lucid.archive(sessionId);
  } else if (scenario.input.keep_alive_seconds) {
    // A session a follow-up ended (compaction_limit_reached_error) is recorded as it finished.
    if ((await waitUntilIdle(lucid, sessionId)) === 'idle')
      await lucid.temporal.workflow.getHandle(sessionId).terminate('recording done');
  } else {
    await lucid.result(sessionId);
  }
  const runs = await runIdsOldestFirst(lucid, sessionId);
  runs.forEach((runId, index) => {
    const name = index === 0 ? scenario.name : `${scenario.name}.run-${index + 1}`;
    writeHistory(server, name, sessionId, runId);
  });
}

/**
 * Sends `answers` while the session's first model request is held, each once the workflow took it (an Update once
 * accepted, a signal once recorded), then releases the request: the calls they answer do not exist before that.
 */
async function sendEarlyAnswers(
  lucid: LucidClient,
  model: ScriptedModel,
  sessionId: string,
  answers: EarlyAnswer[],
  release: () => void,
): Promise<void> {
  let startSeq = 0;
  while (startSeq === 0) {
    const events = await lucid.readEvents(sessionId);
    startSeq = events.find((event) => event.type === 'span.model_request_start')?.seq ?? 0;
    if (startSeq === 0 || model.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const handle = lucid.temporal.workflow.getHandle(sessionId);
  const updates = [];
  for (const answer of answers) {
    const id = eventId(sessionId, startSeq + answer.offset);
    if ('custom_tool_result' in answer) {
      const content = [{ type: 'text' as const, text: answer.custom_tool_result }];
      const args = [{ custom_tool_use_id: id, content }] as [CustomToolResult];
      updates.push(
        await handle.startUpdate(customToolResultUpdate, { args, waitForStage: WorkflowUpdateStage.ACCEPTED }),
      );
    } else await handle.signal(toolConfirmationSignal, { tool_use_id: id, result: answer.confirmation });
  }
  release();
  for (const update of updates) await update.result();
}

/** Waits until the session waits on as many calls as there are answers, then answers them in call order. */
async function answerPendingCalls(lucid: LucidClient, sessionId: string, answers: PendingAnswer[]): Promise<void> {
  let calls = await lucid.pendingCalls(sessionId);
  while (calls.length < answers.length) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    calls = await lucid.pendingCalls(sessionId);
  }
  for (const [index, answer] of answers.entries()) {
    const eventId = calls[index].event_id;
    if ('result' in answer)
      await lucid.sendCustomToolResult(sessionId, {
        custom_tool_use_id: eventId,
        content: [{ type: 'text', text: answer.result }],
      });
    else await lucid.confirmToolUse(sessionId, { tool_use_id: eventId, ...decisionOf(answer), decided_by: 'cli' });
  }
}

function decisionOf(answer: Exclude<PendingAnswer, { result: string }>) {
  return answer.confirm === 'allow'
    ? { result: 'allow' as const }
    : { result: 'deny' as const, deny_message: answer.deny_message };
}

/** Runs the scenario's sessions, then a dream over them, and records the dream while it awaits review. */
async function recordDream({ server, lucid, model }: Recorder, scenario: DreamHistoryScenario) {
  model.setScenario(scenario.scenario);
  const sessionIds: string[] = [];
  for (const [index, message] of scenario.sessionMessages.entries()) {
    const sessionId = await lucid.startSession({
      agent: scenario.agent,
      message,
      sessionId: `${scenario.name}-session-${index + 1}`,
    });
    await lucid.result(sessionId);
    sessionIds.push(sessionId);
  }
  const store = await lucid.storage.memory.createStore({ name: `${scenario.name} store` });
  const dreamId = await lucid.startDream(
    { ...scenario.dream, memory_store_id: store.id, sessions: { type: 'session_ids', session_ids: sessionIds } },
    `replay-${scenario.name}`,
  );
  await waitForReviewTimer(lucid, dreamId);
  writeHistory(server, scenario.name, dreamId);
  await lucid.temporal.workflow.getHandle(dreamId).terminate('recording done');
}

/** Waits until the dream awaits review: its decisions are pending and the review deadline's timer runs. */
async function waitForReviewTimer(lucid: LucidClient, dreamId: string): Promise<void> {
  for (;;) {
    const dream = await lucid.dream(dreamId);
    if (dream && dream.status !== 'running' && dream.status !== 'pending')
      throw new Error(`dream ${dreamId} ended (${dream.status}) before its review: ${JSON.stringify(dream.error)}`);
    const history = await lucid.temporal.workflow.getHandle(dreamId).fetchHistory();
    if (dream?.phase === 'awaiting_review' && history.events?.some((event) => event.timerStartedEventAttributes))
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every run of a workflow id, the first first: each run's start event names the run it continued. */
async function runIdsOldestFirst(lucid: LucidClient, workflowId: string): Promise<string[]> {
  const runs = [(await lucid.temporal.workflow.getHandle(workflowId).describe()).runId];
  for (;;) {
    const history = await lucid.temporal.workflow.getHandle(workflowId, runs[0]).fetchHistory();
    const previous = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return runs;
    runs.unshift(previous);
  }
}

/** The CLI's JSON is the documented interchange format (historyFromJSON reads it back). */
function writeHistory(server: DevServer, name: string, workflowId: string, runId?: string): void {
  const args = ['workflow', 'show', '--address', server.address, '--workflow-id', workflowId, '--output', 'json'];
  if (runId) args.push('--run-id', runId);
  const json = execFileSync(ensureTemporalCli(), args);
  fs.writeFileSync(fileOf(name), json);
  console.log(`recorded ${name}: ${JSON.parse(json.toString()).events.length} events`);
}

function fileOf(name: string): string {
  return path.join(outputDir, `${name}.json`);
}

/** A message, then an interrupt: harmless when idle, and recorded all the same (a refused update is not). */
async function sendFollowUp(lucid: LucidClient, sessionId: string, text: string, by: 'signals' | 'updates') {
  const handle = lucid.temporal.workflow.getHandle(sessionId);
  if (by === 'updates') await lucid.sendMessage(sessionId, text);
  else await handle.signal(userMessageSignal, { text });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  if (by === 'updates') await lucid.interrupt(sessionId).catch(() => undefined);
  else await handle.signal(interruptSignal).catch(ignoreIfEnded);
}

/** A follow-up may end the session; the interrupt after it then has nobody to reach. */
function ignoreIfEnded(error: unknown): void {
  if (!(error instanceof WorkflowNotFoundError)) throw error;
}

async function waitUntilIdle(lucid: LucidClient, sessionId: string): Promise<'idle' | 'terminated'> {
  for (;;) {
    const snapshot = await lucid.snapshot(sessionId);
    if (snapshot?.status === 'idle' || snapshot?.status === 'terminated') return snapshot.status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
