/**
 * Run by test/shell/unprivileged-worker.test.ts as an unprivileged user: a worker's shell pool as a non-root
 * worker has it (bubblewrap in a user namespace), answering with what its sandbox looked like, as JSON.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ShellPool } from '../../../src/shell/shell-pool';
import { DEFAULT_SHELL_SETTINGS } from '../../../src/shell/shell-settings';

async function main(): Promise<void> {
  const pool = await ShellPool.create(DEFAULT_SHELL_SETTINGS);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-unprivileged-'));
  const run = async (command: string) =>
    (await pool.run({ sessionId: 'sesn_unprivileged', workspace, command, timeoutMs: 10_000 })).output;
  const report = {
    availability: pool.availability,
    limitScope: pool.limitScope,
    id: await run('id -u; id -g'),
    ulimits: await run('ulimit -u; ulimit -v'),
    nestedNamespace: await run('unshare -U true 2>/dev/null && echo created || echo refused'),
    environment: await run('env | cut -d= -f1 | sort | tr "\\n" " "'),
    written: await run('echo hello > made.txt && cat made.txt'),
    ownerOnHost: 0,
    workerUid: process.getuid?.(),
  };
  report.ownerOnHost = fs.statSync(path.join(workspace, 'made.txt')).uid;
  await pool.close();
  fs.rmSync(workspace, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(report));
}

void main();
