/**
 * Runs the real `lucid` command on a pseudo-terminal, so that its stdin and stdout are TTYs as at a person's
 * terminal: util-linux's `script` gives the command a pty and relays what is typed into it (keystrokes written
 * to its stdin) and what the command prints (its stdout, with the terminal's CRLF line ends).
 */
import { spawn } from 'node:child_process';
import { cliEnvironment, LUCID_BIN } from './cli';

export interface TerminalRun {
  /** Everything printed so far, line ends as `\n`. */
  output(): string;
  /** Resolves once `done` holds for the output; fails after `timeoutMs` showing what was printed. */
  waitForOutput(done: (output: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Types a line and Enter. */
  typeLine(text: string): void;
  /** Types Ctrl-D (the end of input at the start of a line). */
  typeEndOfInput(): void;
  /** Types Ctrl-C (the terminal sends the command SIGINT). */
  typeInterrupt(): void;
  /** The command's exit code (`script -e` passes it on). */
  exited: Promise<number | null>;
}

export function runLucidInTerminal(args: string[], env: Record<string, string>, cwd: string): TerminalRun {
  const command = [process.execPath, LUCID_BIN, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
    cwd,
    env: { ...cliEnvironment(env), TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let printed = '';
  child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const output = () => printed.replace(/\r\n/g, '\n');
  return {
    output,
    async waitForOutput(done, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(output())) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`the terminal never showed what was awaited; it shows:\n${output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return output();
    },
    typeLine: (text) => void child.stdin.write(`${text}\n`),
    typeEndOfInput: () => void child.stdin.write('\u0004'),
    typeInterrupt: () => void child.stdin.write('\u0003'),
    exited,
  };
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
