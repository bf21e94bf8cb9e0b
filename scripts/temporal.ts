/**
 * `npm run temporal -- <args>` runs the pinned Temporal CLI, installing it first if it is missing.
 * `npm run install-temporal` only installs it.
 */
import { spawn } from 'node:child_process';
import { ensureTemporalCli } from './lib/temporal-cli';

function main(): void {
  const args = process.argv.slice(2);
  const binary = ensureTemporalCli();
  if (args[0] === '--install-only') {
    console.log(binary);
    return;
  }
  const child = spawn(binary, args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main();
