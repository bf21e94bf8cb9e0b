/** Runs `src/worker.ts` as a real child process (node --import tsx: one process, so SIGKILL hits the worker itself). */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

export interface WorkerProcessOptions {
  address: string;
  taskQueue: string;
  dataDir: string;
  modelUrl: string;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the worker printed its ready line. */
  ready: Promise<void>;
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
      LUCID_WORKFLOW_BUNDLE: process.env.LUCID_TEST_WORKFLOW_BUNDLE,
      ANTHROPIC_BASE_URL: options.modelUrl,
      ANTHROPIC_API_KEY: 'test-key',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Lucid worker on task queue')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`worker exited before it was ready:\n${output}`)));
  });
  return {
    child,
    ready,
    output: () => output,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
