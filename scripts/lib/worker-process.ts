/**
 * Runs `src/worker.ts` as a real child process (`node --import tsx`: one process, so SIGKILL hits the worker
 * itself, not a wrapper), for crash tests and the chaos driver.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
/** Enough of the worker's output to explain a failure, without growing for the length of a long run. */
const OUTPUT_TAIL_CHARS = 64_000;

export interface WorkerProcessOptions {
  address: string;
  taskQueue: string;
  dataDir: string;
  modelUrl: string;
  /** A prebuilt workflow bundle file (LUCID_WORKFLOW_BUNDLE); without one the worker bundles at start-up. */
  workflowBundle?: string;
  /** More environment for the worker (LUCID_SANDBOX and friends). */
  env?: Record<string, string>;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the worker printed its ready line. */
  ready: Promise<void>;
  /** Resolves with the exit code (null when a signal ended it) once the process is gone. */
  exited: Promise<number | null>;
  /** The last part of the worker's stdout and stderr. */
  output(): string;
  /** Sends the signal and resolves with the exit code once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export function startWorkerProcess(options: WorkerProcessOptions): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/worker.ts')], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.address,
      TEMPORAL_NAMESPACE: 'default',
      LUCID_TASK_QUEUE: options.taskQueue,
      LUCID_DATA_DIR: options.dataDir,
      LUCID_WORKFLOW_BUNDLE: options.workflowBundle,
      ANTHROPIC_BASE_URL: options.modelUrl,
      ANTHROPIC_API_KEY: 'test-key',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
      if (output.includes('Lucid worker on task queue')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`worker exited before it was ready:\n${output}`)));
  });
  ready.catch(() => {}); // a caller that never awaits `ready` must not see an unhandled rejection
  return {
    child,
    ready,
    exited,
    output: () => output,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
