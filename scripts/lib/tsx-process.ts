/**
 * A TypeScript entry point of this repository as a real child process (`node --import tsx`: one process, so a
 * signal such as SIGKILL hits the program itself, not a wrapper), ready once its output shows it is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
/** Enough of the output to explain a failure, without growing for the length of a long run. */
const OUTPUT_TAIL_CHARS = 64_000;

export interface TsxProcessOptions<Ready> {
  /** The entry point, relative to the repository root (e.g. `src/worker.ts`). */
  entry: string;
  args?: string[];
  /** Added to this process's environment. */
  env: Record<string, string | undefined>;
  /** What the output so far says once the program is ready (null until then); `what` names it in errors. */
  readyWhen: (output: string) => Ready | null;
  what: string;
}

export interface TsxProcess<Ready> {
  child: ChildProcess;
  /** Resolves once `readyWhen` found the program ready; rejects if it exits first. */
  ready: Promise<Ready>;
  /** Resolves with the exit code (null when a signal ended it) once the process is gone. */
  exited: Promise<number | null>;
  /** The last part of its stdout and stderr. */
  output(): string;
  /** Sends the signal and resolves with the exit code once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export function startTsxProcess<Ready>(options: TsxProcessOptions<Ready>): TsxProcess<Ready> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, options.entry), ...(options.args ?? [])], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<Ready>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
      const found = options.readyWhen(output);
      if (found !== null) resolve(found);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => reject(new Error(`${options.what} exited before it was ready:\n${output}`)));
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
