/** Runs the real `lucid` command as a subprocess (`node bin/lucid.js ...`) for the CLI tests. */
import { spawn } from 'node:child_process';
import path from 'node:path';

export const LUCID_BIN = path.resolve(__dirname, '..', '..', 'bin', 'lucid.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  milliseconds: number;
}

/**
 * Runs the CLI without blocking this process: the worker serving the sessions runs in this very process, so a
 * synchronous child would deadlock it. The environment is the test's own, minus anything that could point the
 * CLI elsewhere (TEMPORAL_*, LUCID_*) or leak a real key (ANTHROPIC_*). Standard input is not a terminal.
 * `closeStdoutAfterFirstChunk` closes the reading end of stdout once the first output arrives, as `| head` does.
 */
export function runLucid(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  { closeStdoutAfterFirstChunk = false } = {},
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LUCID_BIN, ...args], {
      cwd,
      env: cliEnvironment(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      // Like `| head`: the reader goes away while the command still writes.
      if (closeStdoutAfterFirstChunk) child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, milliseconds: Date.now() - started }));
  });
}

/** The test's environment minus anything that could point the CLI elsewhere or leak a real key, plus `env`. */
export function cliEnvironment(env: Record<string, string>): Record<string, string | undefined> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(TEMPORAL_|LUCID_|ANTHROPIC_)/.test(name)),
  );
  return { ...inherited, ...env };
}

/** A failing expectation shows the CLI's output, which is what one needs to see. */
export function expectExit(result: CliResult, code: number): void {
  if (result.code !== code)
    throw new Error(`expected exit ${code}, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
}

/** Reads until `done` holds or the time is up, and returns the last value read. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
