/**
 * A Lucid worker in a child process of the benchmark (bench/lib/worker-entry.ts), so that its memory and CPU
 * are its own to measure. One process (node --import tsx), so its pid is the worker's. Its settings come from
 * the environment: the benchmark's own plus `overrides` (e.g. LUCID_MAX_CONCURRENT_ACTIVITIES).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { WorkerConcurrency } from './worker-concurrency';

const root = path.resolve(__dirname, '..', '..');

/** The worker's ready line starts with this; its effective settings follow as JSON. */
export const READY_PREFIX = 'LUCID_BENCH_WORKER_READY ';

export interface WorkerProcessOptions {
  address: string;
  taskQueue: string;
  dataDir: string;
  modelUrl: string;
  /** LUCID_WORKFLOW_BUNDLE: bundling at start-up would cost seconds. */
  bundlePath: string;
  overrides?: Record<string, string>;
}

export interface WorkerProcess {
  pid: number;
  /** The settings in effect, as the worker reported them once it was ready to poll. */
  concurrency: WorkerConcurrency;
  /** Resolves with the tail of its output if the worker exits, by itself or stopped. */
  exited: Promise<string>;
  /** SIGTERM, then SIGKILL if it has not exited within 30 s; resolves once it is gone. */
  stop(): Promise<void>;
}

/** Starts the worker and resolves once it is polling; rejects with its output if it exits first. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker-entry.ts')], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.address,
      TEMPORAL_NAMESPACE: 'default',
      LUCID_TASK_QUEUE: options.taskQueue,
      LUCID_DATA_DIR: options.dataDir,
      LUCID_WORKFLOW_BUNDLE: options.bundlePath,
      ANTHROPIC_BASE_URL: options.modelUrl,
      ANTHROPIC_API_KEY: 'scripted',
      ...options.overrides,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const concurrency = await new Promise<WorkerConcurrency>((resolve, reject) => {
    let stdout: string | null = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)); // the tail explains a failure
    child.stderr.on('data', keep);
    child.stdout.on('data', (chunk: Buffer) => {
      keep(chunk);
      if (stdout === null) return; // ready already
      stdout += chunk.toString();
      const line = stdout
        .split('\n')
        .slice(0, -1)
        .find((candidate) => candidate.startsWith(READY_PREFIX));
      if (!line) return;
      stdout = null;
      resolve(JSON.parse(line.slice(READY_PREFIX.length)) as WorkerConcurrency);
    });
    void exited.then(() => reject(new Error(`the worker exited before it was ready:\n${output}`)));
  });
  return {
    pid: child.pid!,
    concurrency,
    exited: exited.then(() => output),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
