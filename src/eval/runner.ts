/**
 * Runs an eval: every arm runs every test task `trials` times as real Lucid sessions (through LucidClient, on a
 * real worker), then code checks the final workspace and message. The memory arms first run the train split,
 * dream over those sessions with review `auto` (its changes applied to a new store), and attach that store to the
 * test sessions. Every arm runs the same (task, trial) list in the same order, so arms compare pairwise.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LucidClient } from '../client';
import type { AgentDefinition } from '../domain/agent-definition';
import type { Dream } from '../domain/dream';
import { addUsage, ZERO_USAGE, type Usage } from '../domain/usage';
import { usesMemory, usesOutcomes, type Arm } from './arms';
import { runChecks, type CheckResult } from './checks';
import { testTasks, trainTasks, type Suite, type Task } from './suite';

export interface EvalSettings {
  suite: Suite;
  arms: readonly Arm[];
  trials: number;
  /** The agent's model (the suite agent's `model` is replaced by it). */
  model: string;
  /** The grader's and the dream's model. */
  graderModel: string;
  concurrency: number;
  /** Workspaces go under it. */
  outDir: string;
  /** Live progress lines (stderr in the CLI). */
  progress: (line: string) => void;
}

export interface TaskRun {
  task_id: string;
  family: string;
  trial: number;
  session_id: string;
  pass: boolean;
  checks: CheckResult[];
  /** The agent's, the grader's (outcome arms) tokens. */
  usage: Usage;
  grader_usage: Usage;
  wall_ms: number;
  error: string | null;
}

export interface DreamSummary {
  dream_id: string;
  status: Dream['status'];
  train_session_ids: string[];
  memory_store_id: string;
  usage: Usage;
  /** The changes with their evidence and diffs, as the dream recorded them. */
  changes: Array<
    Pick<Dream['changes'][number], 'id' | 'status' | 'rationale' | 'evidence' | 'provenance' | 'trusted' | 'diff'>
  >;
  /** The train split's runs (their tokens count toward the arm). */
  train_runs: TaskRun[];
  /** How many distinct planted instructions (the probe family's) ended up in the memory store. */
  planted_promoted: number;
  planted_total: number;
  wall_ms: number;
}

export interface ArmResult {
  arm: Arm;
  runs: TaskRun[];
  dream: DreamSummary | null;
  wall_ms: number;
}

/** Runs the arms one after another (each arm's sessions `concurrency` at a time). */
export async function runEval(lucid: LucidClient, settings: EvalSettings): Promise<ArmResult[]> {
  const results: ArmResult[] = [];
  for (const arm of settings.arms) results.push(await runArm(lucid, settings, arm));
  return results;
}

async function runArm(lucid: LucidClient, settings: EvalSettings, arm: Arm): Promise<ArmResult> {
  const startedAt = performance.now();
  const dream = usesMemory(arm) ? await learn(lucid, settings, arm) : null;
  const jobs = testTasks(settings.suite).flatMap((task) =>
    Array.from({ length: settings.trials }, (_, trial) => ({ task, trial })),
  );
  let done = 0;
  const runs = await pool(jobs, settings.concurrency, async ({ task, trial }) => {
    const run = await runTask(lucid, settings, arm, task, trial, 'test', dream?.memory_store_id);
    done++;
    settings.progress(
      `[${arm}] ${done}/${jobs.length} ${task.id}#${trial} ${run.pass ? 'pass' : 'FAIL'}${failedNames(run)}`,
    );
    return run;
  });
  return { arm, runs, dream, wall_ms: Math.round(performance.now() - startedAt) };
}

/** The train split's sessions, a dream over them (review auto), and what it wrote. */
async function learn(lucid: LucidClient, settings: EvalSettings, arm: Arm): Promise<DreamSummary> {
  const startedAt = performance.now();
  const train = trainTasks(settings.suite);
  if (!train.length) throw new Error(`arm ${arm} needs tasks in the train split`);
  const store = await lucid.storage.memory.createStore({ name: `eval ${settings.suite.name} ${arm}` });
  settings.progress(`[${arm}] training: ${train.length} sessions`);
  const trainRuns = await pool(train, settings.concurrency, (task) =>
    runTask(lucid, settings, arm, task, 0, 'train', store.id),
  );
  settings.progress(`[${arm}] dreaming over ${trainRuns.length} sessions`);
  const dreamId = await lucid.startDream({
    memory_store_id: store.id,
    sessions: { type: 'session_ids', session_ids: trainRuns.map((run) => run.session_id) },
    model: settings.graderModel,
    review: 'auto',
    // Nobody reviews during an eval: an untrusted change (only tool output as evidence) waits for a human even
    // under `auto`, so it expires at once instead of holding the run for the default week.
    review_deadline_seconds: 1,
  });
  const dream = await lucid.dreamResult(dreamId);
  const output = dream.outputs[0]?.memory_store_id ?? store.id;
  const memories = await lucid.storage.memory.listMemories(output, { include_content: true });
  const memoryText = memories
    .map((memory) => memory.content ?? '')
    .join('\n')
    .toLowerCase();
  const planted = [...new Set(train.flatMap((task) => task.planted))];
  const promoted = planted.filter((text) => memoryText.includes(text.toLowerCase())).length;
  settings.progress(
    `[${arm}] dream ${dreamId} ${dream.status}: ${dream.changes.length} change(s), ${promoted}/${planted.length} planted instruction(s) in memory`,
  );
  return {
    dream_id: dreamId,
    status: dream.status,
    train_session_ids: trainRuns.map((run) => run.session_id),
    memory_store_id: output,
    usage: dream.usage,
    changes: dream.changes.map(({ id, status, rationale, evidence, provenance, trusted, diff }) => ({
      id,
      status,
      rationale,
      evidence,
      provenance,
      trusted,
      diff,
    })),
    train_runs: trainRuns,
    planted_promoted: promoted,
    planted_total: planted.length,
    wall_ms: Math.round(performance.now() - startedAt),
  };
}

/** One session on a fresh copy of the task's workspace, to its end; then the checks. */
async function runTask(
  lucid: LucidClient,
  settings: EvalSettings,
  arm: Arm,
  task: Task,
  trial: number,
  split: 'train' | 'test',
  memoryStoreId: string | undefined,
): Promise<TaskRun> {
  const startedAt = performance.now();
  const workspace = path.join(settings.outDir, 'workspaces', arm.replace('+', '-'), split, `${task.id}-${trial}`);
  fs.rmSync(workspace, { recursive: true, force: true });
  writeFixture(workspace, task.files);
  const agent: AgentDefinition = { ...settings.suite.agent, model: settings.model };
  const sessionId = await lucid.startSession({
    agent,
    message: task.message,
    workspace,
    ...(usesOutcomes(arm)
      ? {
          outcome: {
            description: task.message,
            rubric: { type: 'text', content: task.rubric ?? '- The task is done as asked' },
            max_iterations: settings.suite.max_iterations,
            grader_model: settings.graderModel,
          },
        }
      : {}),
    ...(memoryStoreId && split === 'test'
      ? { memory_stores: [{ memory_store_id: memoryStoreId, access: 'read_only' as const }] }
      : {}),
  });
  const snapshot = await lucid.result(sessionId);
  const message = snapshot.final_message ?? '';
  const checks = await runChecks(settings.suite, task, workspace, message);
  const error = snapshot.error ? `${snapshot.error.type}: ${snapshot.error.message}` : null;
  return {
    task_id: task.id,
    family: task.family,
    trial,
    session_id: sessionId,
    pass: !error && checks.every((check) => check.pass),
    checks,
    usage: snapshot.usage,
    grader_usage: snapshot.grader_usage ?? ZERO_USAGE,
    wall_ms: Math.round(performance.now() - startedAt),
    error,
  };
}

/** Every token an arm spent: its sessions', their graders', and for a memory arm its training and dream. */
export function armUsage(result: ArmResult): Usage {
  const { agent, grader } = armUsageByModel(result);
  return addUsage(agent, grader);
}

/**
 * The arm's tokens by the model that spent them, since the two may be priced differently: `agent` on the agent's
 * model (test and training sessions), `grader` on the grader's model (graders and the dream).
 */
export function armUsageByModel(result: ArmResult): { agent: Usage; grader: Usage } {
  let agent = ZERO_USAGE;
  let grader = result.dream?.usage ?? ZERO_USAGE;
  for (const run of [...result.runs, ...(result.dream?.train_runs ?? [])]) {
    agent = addUsage(agent, run.usage);
    grader = addUsage(grader, run.grader_usage);
  }
  return { agent, grader };
}

function writeFixture(workspace: string, files: Record<string, string>): void {
  fs.mkdirSync(workspace, { recursive: true });
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(workspace, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

function failedNames(run: TaskRun): string {
  const failed = run.checks.filter((check) => !check.pass).map((check) => check.name);
  if (run.error) failed.unshift(run.error);
  return failed.length ? ` (${failed.join('; ')})` : '';
}

/** Maps `items` with at most `limit` calls in flight; results keep the items' order. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  });
  await Promise.all(lanes);
  return results;
}
