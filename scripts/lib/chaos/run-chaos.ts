/**
 * The chaos run: its own Temporal dev server (SQLite, loopback), the scripted model with injected faults, one
 * worker process that is SIGKILLed and restarted at seeded moments, a server restart, and a workload of
 * sessions, outcomes, threads and a dream waiting for review. On the PostgreSQL store (`store: 'postgres'`) every
 * store is a throwaway PostgreSQL that is crashed and restarted too. Then the checks, through the same storage.
 * Bounded by fixed counts and a wall-clock deadline; everything it starts is stopped before it returns, also when
 * it fails.
 */
import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LucidClient } from '../../../src/client';
import type { Dream } from '../../../src/domain/dream';
import { FAULT_KINDS, mulberry32, type FaultCounts, type FaultKind } from '../../../src/scripted-model/faults';
import { startScriptedModel, type ScriptedModel } from '../../../src/scripted-model/server';
import { openStorage, type Storage } from '../../../src/storage/open-storage';
import { chaosScenario, type SessionKind } from './agents';
import {
  allSessionIds,
  checkDream,
  checkEventLogs,
  checkFileWrites,
  checkRunningWorkflows,
  checkSessionsFinished,
  type CheckResult,
} from './checks';
import { PostgresSupervisor } from './postgres-supervisor';
import { DeadlineError, sleep } from './retry';
import { DREAM_SESSIONS, planDisruptions, planSessions, type Disruption, type PlannedSession } from './schedule';
import { ServerSupervisor } from './server-supervisor';
import { WorkerSupervisor } from './worker-supervisor';
import { approveDream, DREAM_ID, runSession, startDreamWhenReady, type WorkloadContext } from './workload';

/** Where the workers keep their stores: the data directory, or a throwaway PostgreSQL (LUCID_DATABASE_URL). */
export type ChaosStore = 'filesystem' | 'postgres';

export interface ChaosOptions {
  store: ChaosStore;
  /** Sessions of each kind: writers (plain tool turns), reporters (an outcome) and leads (two threads each). */
  sessions: Record<SessionKind, number>;
  faultRate: number;
  faultKinds: FaultKind[];
  stallMs: number;
  workerKills: number;
  serverRestarts: number;
  /** How long the server stays down at a restart. */
  serverDownMs: number;
  /** PostgreSQL crashes and restarts (the PostgreSQL store only). */
  postgresRestarts: number;
  /** How long PostgreSQL stays down at a restart. */
  postgresDownMs: number;
  /** Disruptions fall within this window; sessions start within its first 60 %. */
  windowMs: number;
  /** The whole run stops waiting after this; whatever has not finished by then fails its check. */
  maxMs: number;
  seed: number;
  /** A prebuilt workflow bundle file; bundled at start-up when absent. */
  workflowBundle?: string;
  log(line: string): void;
}

export interface ChaosReport {
  ok: boolean;
  store: ChaosStore;
  checks: CheckResult[];
  faults: FaultCounts;
  model_requests: number;
  worker_kills: number;
  server_restarts: number;
  postgres_restarts: number;
  unexpected_worker_exits: number;
  sessions: { planned: number; threads: number };
  disruptions: Disruption[];
  runtime_ms: number;
  data_dir: string;
}

/** Everything the run started, for stopping it all in one place. */
interface Running {
  server?: ServerSupervisor;
  postgres?: PostgresSupervisor;
  storage?: Storage;
  model?: ScriptedModel;
  connection?: Connection;
  worker?: WorkerSupervisor;
}

/** The parts the workload and the checks use, once all are up. */
interface Rig {
  server: ServerSupervisor;
  model: ScriptedModel;
  worker: WorkerSupervisor;
  postgres?: PostgresSupervisor;
  lucid: LucidClient;
  storage: Storage;
}

const TASK_QUEUE = 'lucid-chaos';

/** The runs in progress, so that an interrupted process can still take its child processes down with it. */
const inProgress = new Set<Running>();

/** Kills every child process of every run in progress, at once (for SIGINT/SIGTERM handlers). */
export function killChildProcessesNow(): void {
  for (const running of inProgress) {
    running.worker?.killNow();
    running.server?.killNow();
    running.postgres?.destroy();
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const deadline = started + options.maxMs;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-chaos-'));
  const dataDir = path.join(root, 'data');
  const running: Running = {};
  inProgress.add(running);
  try {
    options.log(`data in ${root}`);
    const workflowBundle = options.workflowBundle ?? (await bundleWorkflows(root));
    running.server = await ServerSupervisor.start(path.join(root, 'temporal.db'));
    if (options.store === 'postgres') running.postgres = await PostgresSupervisor.start();
    const database = running.postgres ? { url: running.postgres.url, poolSize: 10 } : undefined;
    const storage = openStorage({ dataDir, ...(database ? { database } : {}) });
    running.storage = storage;
    running.model = await startScriptedModel({
      scenario: chaosScenario({
        rate: options.faultRate,
        kinds: options.faultKinds,
        stall_ms: options.stallMs,
        seed: options.seed,
      }),
    });
    const worker = new WorkerSupervisor(
      {
        address: running.server.address,
        taskQueue: TASK_QUEUE,
        dataDir,
        modelUrl: running.model.url,
        workflowBundle,
        ...(database ? { env: { LUCID_DATABASE_URL: database.url } } : {}),
      },
      options.log,
    );
    running.worker = worker;
    await worker.start();
    running.connection = await Connection.connect({ address: running.server.address });
    const lucid = new LucidClient({
      client: new Client({ connection: running.connection, namespace: 'default' }),
      taskQueue: TASK_QUEUE,
      storage,
    });
    const rig: Rig = {
      server: running.server,
      model: running.model,
      worker,
      lucid,
      storage,
      ...(running.postgres ? { postgres: running.postgres } : {}),
    };
    options.log(
      `dev server ${rig.server.address}, scripted model ${rig.model.url}, store ${storage.location}, worker up`,
    );

    const random = mulberry32(options.seed);
    const disruptions = planDisruptions({ ...options, random });
    const planned = planSessions(options.sessions, options.windowMs, random);
    const memoryStoreId = (await storage.memory.createStore({ name: 'chaos lessons' })).id;
    const context: WorkloadContext = { lucid, startedAt: Date.now(), deadline, log: options.log };

    const { runs, dream, disruptionError } = await runWorkload(
      context,
      rig,
      planned,
      disruptions,
      options,
      memoryStoreId,
    );
    const checks = [
      checkSessionsFinished(runs),
      await checkEventLogs(storage.sessions, allSessionIds(runs)),
      await checkFileWrites(storage, runs),
      dream.before,
      dream.after,
      await checkDream(dream.finished, storage.memory, memoryStoreId),
      checkDisruptions(rig, options, disruptionError),
      checkFaults(rig.model.faultCounts, options.faultKinds, options.faultRate),
    ];
    return {
      ok: checks.every((check) => check.ok),
      store: options.store,
      checks,
      faults: { ...rig.model.faultCounts },
      model_requests: rig.model.requests.length,
      worker_kills: worker.kills,
      server_restarts: rig.server.restarts,
      postgres_restarts: rig.postgres?.restarts ?? 0,
      unexpected_worker_exits: worker.unexpectedExits,
      sessions: { planned: planned.length, threads: allSessionIds(runs).length - planned.length },
      disruptions,
      runtime_ms: Date.now() - started,
      data_dir: root,
    };
  } finally {
    await stopAll(running);
    inProgress.delete(running);
  }
}

/** Runs sessions, dream and disruptions side by side; then, with nothing else left, approves the dream. */
async function runWorkload(
  context: WorkloadContext,
  rig: Rig,
  planned: PlannedSession[],
  disruptions: Disruption[],
  options: ChaosOptions,
  memoryStoreId: string,
) {
  const sessionRuns = planned.map((session) => runSession(context, session));
  const dreamSources = sessionRuns.filter((_, index) => planned[index].kind === 'writer').slice(0, DREAM_SESSIONS);
  const dreamWaiting = startDreamWhenReady(context, dreamSources, memoryStoreId).then(
    () => null,
    (error: Error) => error.message,
  );
  const disruptionError = await disrupt(context, disruptions, rig, options).then(
    () => null,
    (error: Error) => error.message,
  );
  const runs = await Promise.all(sessionRuns);
  const dream = await reviewDream(context, await dreamWaiting);
  return { runs, dream, disruptionError };
}

/**
 * With every session over, only the dream waiting for review may still run. A human approves it; after that,
 * nothing may run at all.
 */
async function reviewDream(context: WorkloadContext, dreamProblem: string | null) {
  const client = context.lucid.temporal;
  const before = await checkRunningWorkflows(
    client,
    TASK_QUEUE,
    dreamProblem ? [] : [DREAM_ID],
    'but the dream awaiting review',
  );
  let finished: Dream | null = null;
  if (dreamProblem) context.log(`the dream never waited for review: ${dreamProblem}`);
  else finished = await approveDream(context).catch((error: Error) => (context.log(`dream: ${error.message}`), null));
  const after = await checkRunningWorkflows(client, TASK_QUEUE, [], 'after the approval');
  return { before, after, finished };
}

/** Carries out the disruptions at their moments; each waits for the previous one to recover. */
async function disrupt(
  context: WorkloadContext,
  disruptions: Disruption[],
  rig: Rig,
  options: ChaosOptions,
): Promise<void> {
  for (const disruption of disruptions) {
    await sleep(Math.max(0, context.startedAt + disruption.at_ms - Date.now()));
    if (Date.now() > context.deadline) throw new DeadlineError('the deadline passed before every disruption was done');
    if (disruption.kind === 'worker_kill') {
      await rig.worker.killAndRestart();
    } else if (disruption.kind === 'postgres_restart') {
      if (!rig.postgres) throw new Error('a PostgreSQL restart was planned on the filesystem store');
      context.log(`crashing PostgreSQL (down for ${options.postgresDownMs} ms)`);
      await rig.postgres.restart(options.postgresDownMs);
      context.log(`PostgreSQL back (restart ${rig.postgres.restarts})`);
    } else {
      context.log(`restarting the dev server (down for ${options.serverDownMs} ms)`);
      await rig.server.restart(options.serverDownMs);
      context.log(`dev server back (restart ${rig.server.restarts})`);
    }
  }
}

function checkDisruptions(rig: Rig, options: ChaosOptions, error: string | null): CheckResult {
  const kills = rig.worker.kills;
  const restarts = rig.server.restarts;
  const databaseRestarts = rig.postgres?.restarts ?? 0;
  const ok =
    !error &&
    kills === options.workerKills &&
    restarts === options.serverRestarts &&
    databaseRestarts === options.postgresRestarts;
  const database =
    options.store === 'postgres' ? `, ${databaseRestarts}/${options.postgresRestarts} PostgreSQL restarts` : '';
  const detail = `${kills}/${options.workerKills} worker kills, ${restarts}/${options.serverRestarts} server restarts${database}${error ? `; ${error}` : ''}`;
  return { name: 'every planned disruption done', ok, detail };
}

/** A run that injected no faults (or missed a kind) tested less than it claims. */
function checkFaults(counts: FaultCounts, kinds: FaultKind[], rate: number): CheckResult {
  const detail = FAULT_KINDS.map((kind) => `${kind}: ${counts[kind]}`).join(', ');
  const ok = rate === 0 || kinds.every((kind) => counts[kind] > 0);
  return { name: 'every fault kind injected', ok, detail };
}

async function stopAll(running: Running): Promise<void> {
  await running.worker?.stop().catch(() => {});
  await running.connection?.close().catch(() => {});
  await running.model?.close().catch(() => {});
  await running.storage?.close().catch(() => {});
  await running.server?.stop().catch(() => {});
  running.postgres?.destroy();
}

async function bundleWorkflows(root: string): Promise<string> {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../../src/workflows'),
    logger: quiet as never,
  });
  const file = path.join(root, 'workflows.js');
  fs.writeFileSync(file, code);
  return file;
}
