/**
 * Limits on a sandbox as a whole, with a control group per shell: the memory of all its processes together, and a
 * process count of its own, so one session's bomb leaves the other sessions' shells working. (These machines
 * run the tests as root with cgroup v1, which is what the worker needs to make the groups.)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ShellPool } from '../../src/shell/shell-pool';
import { DEFAULT_SHELL_SETTINGS } from '../../src/shell/shell-settings';
import { tempDir } from '../helpers/temporal';
import { describeCommandResult } from '../../src/shell/command-report';

const settings = { ...DEFAULT_SHELL_SETTINGS, memoryMb: 256, maxProcesses: 64 };

describe('a control group per sandbox', () => {
  let pool: ShellPool;
  beforeAll(async () => {
    pool = await ShellPool.create(settings);
  });
  afterAll(() => pool.close());

  const run = (sessionId: string, command: string, timeoutMs = 10_000) =>
    pool.run({ sessionId, workspace: tempDir('lucid-cgroup-'), command, timeoutMs });

  it('is what bounds memory and processes on this worker', () => {
    expect(pool.limitScope).toBe('sandbox');
  });

  it('bounds the memory of all the sandbox processes together, and says which limit killed one', async () => {
    // Each process alone is under the limit; together they are not.
    const hog = 'python3 -c "import time; x = bytearray(150 * 1024 ** 2); time.sleep(1)"';
    const result = await run('sesn_memory', `${hog} & ${hog} & wait; echo done`);
    expect(result.output).toContain('Killed');
    expect(result.hit.memory).toBe(true);
    const outcome = describeCommandResult({ ...result, exitCode: 137 }, { timeoutMs: 10_000, settings });
    expect(outcome.content).toContain("over the sandbox's memory limit of 256 MB (all its processes together)");
  });

  it('gives each sandbox its own process limit: a fork bomb in one leaves another its share', async () => {
    const bomb = run('sesn_bomb', ':(){ :|:& };:; sleep 3', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the bomb fill its group
    const neighbour = await run('sesn_neighbour', 'for i in $(seq 30); do sleep 0.2 & done; wait; echo all forked');
    expect(neighbour.output).toBe('all forked\n');
    const bombed = await bomb;
    expect(bombed.hit.processes).toBe(true);
  });

  it('leaves no group behind once the pool is closed', async () => {
    const groupsOfThisProcess = () =>
      ['memory', 'pids'].flatMap((controller) =>
        findGroups(`/sys/fs/cgroup/${controller}`, `lucid-sandboxes-${process.pid}-`),
      );
    const before = groupsOfThisProcess();
    const other = await ShellPool.create(settings);
    await other.run({
      sessionId: 'sesn_gone',
      workspace: tempDir('lucid-cgroup-gone-'),
      command: 'true',
      timeoutMs: 5_000,
    });
    expect(groupsOfThisProcess()).toHaveLength(before.length + 2);
    await other.close();
    expect(groupsOfThisProcess()).toEqual(before);
  });
});

describe('groups a killed worker left behind', () => {
  it('are removed by the next worker that starts', async () => {
    const deadPid = spawnSync('true').pid!;
    const own = ownGroups();
    const left = own.map((group) => `${group}/lucid-sandboxes-${deadPid}-1`);
    for (const group of left) fs.mkdirSync(`${group}/shell-1`, { recursive: true });
    const pool = await ShellPool.create(settings);
    try {
      expect(left.filter((group) => fs.existsSync(group))).toEqual([]);
    } finally {
      await pool.close();
    }
  });
});

/** This process's memory and pids groups (cgroup v1), where a pool makes its sandboxes' groups. */
function ownGroups(): string[] {
  const lines = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  return ['memory', 'pids'].map((controller) => {
    const line = lines.find((candidate) => candidate.split(':')[1]?.split(',').includes(controller));
    return path.join('/sys/fs/cgroup', controller, line!.split(':')[2]);
  });
}

/** Directories under `root` whose name starts with `prefix`, a few levels down (the worker's own group may be nested). */
function findGroups(root: string, prefix: string): string[] {
  const found: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (depth > 4) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const child = `${dir}/${entry.name}`;
      if (entry.name.startsWith(prefix)) found.push(child);
      else visit(child, depth + 1);
    }
  };
  visit(root, 0);
  return found.sort();
}
