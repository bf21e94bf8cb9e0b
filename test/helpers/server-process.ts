/** `src/api/server.ts` as a real child process (`node --import tsx`, so a signal reaches the server itself). */
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

export interface ServerProcess {
  /** Resolves with the base URL (`http://127.0.0.1:PORT`) once the server printed its listening line. */
  ready: Promise<string>;
  /** Its stdout and stderr so far. */
  output(): string;
  /** Sends the signal and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startServerProcess(args: string[], env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/api/server.ts'), ...args], {
    cwd: root,
    env: { ...process.env, TEMPORAL_NAMESPACE: 'default', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /Lucid API on (http:\/\/[^/\s]+)\/v1/.exec(output);
      if (listening) resolve(listening[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`the server exited before it was ready:\n${output}`)));
  });
  ready.catch(() => {}); // a caller that never awaits `ready` must not see an unhandled rejection
  return {
    ready,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
