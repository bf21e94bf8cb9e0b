/**
 * A node child process (run through tsx, as `npm run worker` does) timed from the moment it is spawned to the
 * moment it prints a given line. Used by bench/startup.ts for the worker and for the baselines it is compared with.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

/** The repository root: worker processes run from there, as `npm run worker` does. */
export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

export interface TimedProcess {
  /** `Date.now()` just before the spawn: the same clock as the Temporal server's event times on this machine. */
  spawnedAtEpochMs: number;
  /** Milliseconds from the spawn to the ready line (rejects if the process exits first or the timeout passes). */
  ready: Promise<number>;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface TimedProcessOptions {
  /** Arguments after `node --import tsx`. */
  args: string[];
  env: NodeJS.ProcessEnv;
  readyLine: RegExp;
  timeoutMs?: number;
}

export function startTimedProcess({ args, env, readyLine, timeoutMs = 120_000 }: TimedProcessOptions): TimedProcess {
  const spawnedAtEpochMs = Date.now();
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: REPOSITORY_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // 'close', not 'exit': by then all output has been read, so a short-lived process's ready line is never missed.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line within ${timeoutMs / 1000} s:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (readyLine.test(output)) {
        clearTimeout(timer);
        resolve(performance.now() - started);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`process exited before its ready line:\n${output}`));
    });
  });
  ready.catch(() => {}); // a caller that stops the process early need not wait on it
  return {
    spawnedAtEpochMs,
    ready,
    output: () => output,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
