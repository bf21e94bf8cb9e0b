/**
 * The `bash` tool's sandboxed shell (src/shell/): what one call costs, what a live shell costs a worker, and what
 * handing a workspace to its sandbox user costs a root worker.
 *
 *   npm run bench:shell -- [--calls 200] [--shells 10,50,100,200] [--files 1000,10000] [--out FILE]
 *
 * Three parts, all in this one process, against the real bubblewrap:
 *
 *   1. one call, side by side (the modes take turns call by call, so a drifting machine touches all alike):
 *      - the persistent shell: ShellPool.run, as the `bash` activity calls it (which includes handing the small
 *        workspace to its sandbox user when the worker is root);
 *      - a fresh sandbox per call: bubblewrap started with the same options, running `/bin/sh -c <command>`;
 *      - a plain child process: `/bin/sh -c <command>`, no sandbox at all;
 *      each for `true` and for `echo hi`, timed from the request to the result (the output read);
 *   2. N live shells (one per session, each with its own workspace): the memory of their processes (bubblewrap's
 *      two and bash; resident and proportional set size, from /proc), the growth of this process's heap, and the
 *      latency of `echo hi` calls spread over all of them while all are alive;
 *   3. giveWorkspaceTo over a workspace of 1k and 10k files: the first walk, which changes every owner, and the
 *      walk before every later call, which finds nothing to change (root workers only). Before every call of a root
 *      worker, so it adds to the persistent shell's figure in part 1 in proportion to the workspace's size.
 *
 * The results are printed as tables and written as JSON to bench/results/.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { spawnBubblewrap, writeSandboxEtc } from '../src/shell/bubblewrap';
import { ShellPool } from '../src/shell/shell-pool';
import { DEFAULT_SHELL_SETTINGS } from '../src/shell/shell-settings';
import { giveWorkspaceTo, sandboxUidFor } from '../src/shell/workspace-owner';
import {
  describeMachine,
  fileTimestamp,
  readBenchOptions,
  runBenchmark,
  wholeNumber,
  wholeNumberList,
  writeReport,
} from './lib/options';
import { median, percentile } from './lib/statistics';
import { formatTable } from './lib/table';

const USAGE = 'usage: npm run bench:shell -- [--calls 200] [--shells 10,50,100,200] [--files 1000,10000] [--out FILE]';

interface Settings {
  calls: number;
  shellCounts: number[];
  fileCounts: number[];
  outFile: string;
}

function readSettings(argv: string[]): Settings {
  const values = readBenchOptions(argv, { calls: '200', shells: '10,50,100,200', files: '1000,10000' }, USAGE);
  return {
    calls: wholeNumber('calls', values.calls, 1, 100_000, USAGE),
    shellCounts: wholeNumberList('shells', values.shells, 1, 1000, USAGE),
    fileCounts: wholeNumberList('files', values.files, 1, 200_000, USAGE),
    outFile: values.out ?? path.join(__dirname, 'results', `shell-${fileTimestamp(new Date())}.json`),
  };
}

const SETTINGS = DEFAULT_SHELL_SETTINGS;
const runsAsRoot = process.getuid?.() === 0;

interface Summary {
  p50_ms: number;
  p99_ms: number;
}

function summarize(samples: number[]): Summary {
  return { p50_ms: round(median(samples), 2), p99_ms: round(percentile(samples, 99), 2) };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

// ---------------------------------------------------------------------------------------------------------------
// 1. One call
// ---------------------------------------------------------------------------------------------------------------

type Runner = (command: string) => Promise<void>;

/** Runs a child to its end, reading its output; fails on a non-zero exit so a broken mode cannot look fast. */
function untilClosed(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}: ${output}`))));
  });
}

async function callCost(root: string, calls: number, log: (line: string) => void) {
  const pool = await ShellPool.create(SETTINGS);
  if (!pool.availability.ok) throw new Error(`no sandbox on this machine: ${pool.availability.reason}`);
  const workspace = fs.mkdtempSync(path.join(root, 'call-'));
  const hostUid = runsAsRoot ? await sandboxUidFor(workspace, SETTINGS.uidBase) : undefined;
  if (hostUid !== undefined) await giveWorkspaceTo(workspace, hostUid);
  const etcDir = await writeSandboxEtc(root, hostUid);
  const bwrap = '/usr/bin/bwrap';

  const persistent: Runner = async (command) => {
    const result = await pool.run({ sessionId: 'bench', workspace, command, timeoutMs: 10_000 });
    if (result.end !== 'completed' || result.exitCode !== 0) throw new Error(`persistent shell: ${result.output}`);
  };
  const freshSandbox: Runner = (command) => {
    const child = spawnBubblewrap(bwrap, {
      workspace,
      etcDir,
      settings: SETTINGS,
      hostUid,
      command: ['/bin/sh', '-c', command],
    });
    child.stdin.end();
    return untilClosed(child);
  };
  const plain: Runner = (command) =>
    untilClosed(spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] }));

  const modes = [
    { name: 'persistent shell (ShellPool.run)', run: persistent },
    { name: 'fresh sandbox per call (bwrap)', run: freshSandbox },
    { name: 'plain child process (/bin/sh -c)', run: plain },
  ];
  const results: Array<{ mode: string; command: string } & Summary> = [];
  try {
    for (const command of ['true', 'echo hi']) {
      log(`one call: ${calls} × \`${command}\` in each mode`);
      for (const mode of modes) await mode.run(command); // warm-up: the pool's shell starts here
      const samples = modes.map(() => [] as number[]);
      for (let call = 0; call < calls; call++)
        for (const [index, mode] of modes.entries()) samples[index].push(await timed(() => mode.run(command)));
      modes.forEach((mode, index) => results.push({ mode: mode.name, command, ...summarize(samples[index]) }));
    }
  } finally {
    await pool.close();
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Live shells
// ---------------------------------------------------------------------------------------------------------------

interface ProcessMemory {
  processes: number;
  rssBytes: number;
  pssBytes: number;
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The sandboxes' processes: this process's bubblewrap children and everything under them. */
function sandboxProcesses(): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const found: number[] = [];
  // From this process's bubblewrap children down (tsx's esbuild service is a child too, and is not a shell's).
  const pending = [...parents]
    .filter(([pid, ppid]) => ppid === process.pid && commandOf(pid) === 'bwrap')
    .map(([pid]) => pid);
  found.push(...pending);
  while (pending.length > 0) {
    const parent = pending.pop()!;
    for (const [pid, ppid] of parents) {
      if (ppid !== parent) continue;
      found.push(pid);
      pending.push(pid);
    }
  }
  return found;
}

function kilobytesField(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

function sandboxMemory(): ProcessMemory {
  let rssBytes = 0;
  let pssBytes = 0;
  let processes = 0;
  for (const pid of sandboxProcesses()) {
    try {
      rssBytes += kilobytesField(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
      pssBytes += kilobytesField(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
      processes++;
    } catch {
      // exited meanwhile
    }
  }
  return { processes, rssBytes, pssBytes };
}

const MB = 1024 * 1024;

/** The heap in use after a full collection, so that the difference is what the shells keep, not garbage. */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

async function liveShells(root: string, counts: number[], calls: number, log: (line: string) => void) {
  const results = [];
  for (const count of counts) {
    log(`live shells: ${count}`);
    const pool = await ShellPool.create(SETTINGS);
    const heapBefore = heapAfterGc();
    const sessions = Array.from({ length: count }, (_, index) => ({
      sessionId: `live-${index}`,
      workspace: fs.mkdtempSync(path.join(root, `live-${count}-`)),
    }));
    try {
      const startMs = await timed(async () => {
        for (const session of sessions) await pool.run({ ...session, command: 'true', timeoutMs: 10_000 });
      });
      if (pool.size !== count) throw new Error(`expected ${count} live shells, found ${pool.size}`);
      const memory = sandboxMemory();
      const heapDelta = heapAfterGc() - heapBefore;
      const samples: number[] = [];
      for (let call = 0; call < calls; call++) {
        const session = sessions[call % count];
        samples.push(await timed(() => pool.run({ ...session, command: 'echo hi', timeoutMs: 10_000 })));
      }
      results.push({
        shells: count,
        start_all_ms: Math.round(startMs),
        processes: memory.processes,
        rss_per_shell_mb: round(memory.rssBytes / count / MB, 2),
        pss_per_shell_mb: round(memory.pssBytes / count / MB, 2),
        worker_heap_per_shell_kb: round(heapDelta / count / 1024, 1),
        echo_call: summarize(samples),
      });
    } finally {
      await pool.close();
      for (const session of sessions) fs.rmSync(session.workspace, { recursive: true, force: true });
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Ownership walk
// ---------------------------------------------------------------------------------------------------------------

const REPEATS = 5;

async function ownershipWalk(root: string, counts: number[], log: (line: string) => void) {
  if (!runsAsRoot) return null;
  const results = [];
  for (const count of counts) {
    log(`giveWorkspaceTo: ${count} files`);
    const workspace = fs.mkdtempSync(path.join(root, `owner-${count}-`));
    const perDirectory = 100; // a tree like a checkout's: directories of 100 files
    for (let index = 0; index < count; index++) {
      const dir = path.join(workspace, `dir-${Math.floor(index / perDirectory)}`);
      if (index % perDirectory === 0) fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, `file-${index}.txt`), 'x');
    }
    const uid = await sandboxUidFor(workspace, SETTINGS.uidBase);
    const firstMs = await timed(() => giveWorkspaceTo(workspace, uid));
    const again: number[] = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) again.push(await timed(() => giveWorkspaceTo(workspace, uid)));
    results.push({
      files: count,
      first_walk_ms: Math.round(firstMs),
      unchanged_walk_ms_median: Math.round(median(again)),
    });
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------------

const ms = (value: number) => value.toFixed(2);

async function main(): Promise<void> {
  const began = performance.now();
  const settings = readSettings(process.argv.slice(2));
  const log = (line: string) => console.error(`[bench:shell] ${line}`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-bench-shell-'));
  fs.chmodSync(root, 0o755); // a root worker's sandboxes read their /etc under it as their own uid
  try {
    const calls = await callCost(root, settings.calls, log);
    const live = await liveShells(root, settings.shellCounts, settings.calls, log);
    const ownership = await ownershipWalk(root, settings.fileCounts, log);

    console.log(
      `\nOne bash call, ${settings.calls} calls per mode and command (${runsAsRoot ? 'root' : 'non-root'} worker)\n`,
    );
    console.log(
      formatTable([
        ['mode', 'command', 'p50 ms', 'p99 ms'],
        ...calls.map((row) => [row.mode, row.command, ms(row.p50_ms), ms(row.p99_ms)]),
      ]),
    );
    console.log(`\nLive shells: memory per shell, and \`echo hi\` over all of them (${settings.calls} calls)\n`);
    console.log(
      formatTable([
        ['shells', 'start all ms', 'processes', 'RSS/shell MB', 'PSS/shell MB', 'heap/shell KB', 'p50 ms', 'p99 ms'],
        ...live.map((row) => [
          String(row.shells),
          String(row.start_all_ms),
          String(row.processes),
          row.rss_per_shell_mb.toFixed(2),
          row.pss_per_shell_mb.toFixed(2),
          row.worker_heap_per_shell_kb.toFixed(1),
          ms(row.echo_call.p50_ms),
          ms(row.echo_call.p99_ms),
        ]),
      ]),
    );
    if (ownership) {
      console.log('\ngiveWorkspaceTo (root workers, before every call)\n');
      console.log(
        formatTable([
          ['files', 'first walk ms', 'unchanged walk ms (median)'],
          ...ownership.map((row) => [
            String(row.files),
            String(row.first_walk_ms),
            String(row.unchanged_walk_ms_median),
          ]),
        ]),
      );
    }
    writeReport(settings.outFile, {
      benchmark: 'shell',
      created_at: new Date().toISOString(),
      settings: { calls: settings.calls, shells: settings.shellCounts, files: settings.fileCounts, root: runsAsRoot },
      machine: describeMachine(),
      shell_settings: SETTINGS,
      runtime_ms: Math.round(performance.now() - began),
      one_call: calls,
      live_shells: live,
      ownership_walk: ownership,
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

runBenchmark(main);
