/** `src/api/server.ts` as a real child process (scripts/lib/tsx-process.ts, so a signal reaches the server itself). */
import { startTsxProcess } from '../../scripts/lib/tsx-process';

export interface ServerProcess {
  /** Resolves with the base URL (`http://127.0.0.1:PORT`) once the server printed its listening line. */
  ready: Promise<string>;
  /** Its stdout and stderr so far. */
  output(): string;
  /** Sends the signal and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startServerProcess(args: string[], env: Record<string, string>): ServerProcess {
  const server = startTsxProcess({
    entry: 'src/api/server.ts',
    args,
    what: 'the server',
    env: { TEMPORAL_NAMESPACE: 'default', ...env },
    readyWhen: (output) => /Lucid API on (http:\/\/[^/\s]+)\/v1/.exec(output)?.[1] ?? null,
  });
  return { ready: server.ready, output: server.output, stop: (signal = 'SIGTERM') => server.kill(signal) };
}
