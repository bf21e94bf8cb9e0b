/**
 * The HTTP API in a child process of the benchmark (bench/lib/api-server-entry.ts), so that its memory is its
 * own and its requests cross a real loopback socket, as a client's would. One process (node --import tsx), so
 * its pid is the server's.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

export const API_SERVER_READY_PREFIX = 'LUCID_BENCH_API_READY ';

export interface MemoryRequest {
  /** Run a full garbage collection first, so the heap is what the server still holds. */
  gc: boolean;
}

/** process.memoryUsage() of the server, in bytes. */
export interface MemoryUsage {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export interface ApiServerOptions {
  address: string;
  taskQueue: string;
  dataDir: string;
  apiKey: string;
}

export interface ApiServerProcess {
  pid: number;
  baseURL: string;
  memory(request: MemoryRequest): Promise<MemoryUsage>;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

export async function startApiServerProcess(options: ApiServerOptions): Promise<ApiServerProcess> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'api-server-entry.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: options.address,
        TEMPORAL_NAMESPACE: 'default',
        LUCID_TASK_QUEUE: options.taskQueue,
        LUCID_DATA_DIR: options.dataDir,
        LUCID_BENCH_API_KEY: options.apiKey,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      const line = output.split('\n').find((candidate) => candidate.startsWith(API_SERVER_READY_PREFIX));
      if (line) resolve(Number(line.slice(API_SERVER_READY_PREFIX.length)));
    });
    void exited.then(() => reject(new Error(`the API server exited before it was ready:\n${output}`)));
  });
  // One request at a time: answers come back in order on the channel.
  let queue: Promise<unknown> = Promise.resolve();
  const memory = (request: MemoryRequest) => {
    const answer = queue.then(
      () =>
        new Promise<MemoryUsage>((resolve) => {
          child.once('message', (usage) => resolve(usage as MemoryUsage));
          child.send(request);
        }),
    );
    queue = answer.catch(() => undefined);
    return answer;
  };
  return {
    pid: child.pid!,
    baseURL: `http://127.0.0.1:${port}`,
    memory,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
