/**
 * Limits on a whole sandbox, not just on each of its processes: a control group per shell with a memory limit
 * (its processes together; the kernel's OOM killer stays inside the group, so a memory bomb cannot make the host
 * kill the worker) and a process limit of its own (a fork bomb in one session leaves the others their share).
 *
 * This needs control groups the worker may create: cgroup v1's `memory` and `pids` hierarchies, writable, as root
 * has them on these machines. Elsewhere (cgroup v2 without delegation, a worker that is not root) the pool runs
 * without, and the `ulimit` limits per process (./persistent-shell.ts) are all there is; the worker says which
 * at start. The groups are made under the worker's own, so whatever limits the worker has, its sandboxes share.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

const CGROUP_ROOT = '/sys/fs/cgroup';
const CONTROLLERS = ['memory', 'pids'] as const;

export interface SandboxCgroupLimits {
  memoryMb: number;
  maxProcesses: number;
}

/** One shell's group, in each controller. */
export interface SandboxCgroup {
  /** The `cgroup.procs` files a process writes its pid to, to join the group before it starts the sandbox. */
  procsFiles: string[];
  /** How many times, so far, the kernel killed a process of the group for memory, and refused a fork. */
  limitHits(): Promise<{ memory: number; processes: number }>;
  /** Removes the group once its processes are gone. */
  remove(): Promise<void>;
}

/** Makes the groups of one worker's sandboxes, under the worker's own group of each controller. */
export class SandboxCgroups {
  /** Pools opened by this process so far, so two pools in one process (tests) keep apart. */
  private static opened = 0;
  private made = 0;

  private constructor(private readonly parents: Record<(typeof CONTROLLERS)[number], string>) {}

  /** The worker's control groups, when it may make groups under them; null otherwise (see the top of this file). */
  static async open(): Promise<SandboxCgroups | null> {
    if (process.getuid?.() !== 0) return null;
    let ownGroups: Map<string, string>;
    try {
      ownGroups = parseProcCgroup(await fs.readFile('/proc/self/cgroup', 'utf8'));
    } catch {
      return null;
    }
    const parents = {} as Record<(typeof CONTROLLERS)[number], string>;
    const name = `lucid-sandboxes-${process.pid}-${++SandboxCgroups.opened}`;
    for (const controller of CONTROLLERS) {
      const own = ownGroups.get(controller);
      if (own === undefined) return null;
      const parent = path.join(CGROUP_ROOT, controller, own, name);
      try {
        await removeGroupsOfDeadWorkers(path.dirname(parent));
        await fs.mkdir(parent, { recursive: true });
      } catch {
        return null;
      }
      parents[controller] = parent;
    }
    return new SandboxCgroups(parents);
  }

  async create(limits: SandboxCgroupLimits): Promise<SandboxCgroup> {
    const name = `shell-${++this.made}`;
    const memory = path.join(this.parents.memory, name);
    const pids = path.join(this.parents.pids, name);
    await fs.mkdir(memory);
    await fs.mkdir(pids);
    const bytes = String(limits.memoryMb * 1024 * 1024);
    await fs.writeFile(path.join(memory, 'memory.limit_in_bytes'), bytes);
    // Swap counts too, where the kernel accounts it, or the limit would only move the bomb to swap.
    await fs.writeFile(path.join(memory, 'memory.memsw.limit_in_bytes'), bytes).catch(() => undefined);
    await fs.writeFile(path.join(pids, 'pids.max'), String(limits.maxProcesses));
    return {
      procsFiles: [path.join(memory, 'cgroup.procs'), path.join(pids, 'cgroup.procs')],
      limitHits: async () => ({ memory: await readOomKills(memory), processes: await readForkRefusals(pids) }),
      remove: () => removeGroups([memory, pids]),
    };
  }

  /** Removes the worker's parent groups (they are empty once every shell has stopped). */
  async close(): Promise<void> {
    await removeGroups(Object.values(this.parents));
  }
}

/**
 * A worker that was killed leaves its groups behind, empty (its sandboxes died with it): removed by the next
 * worker that starts under the same group.
 */
async function removeGroupsOfDeadWorkers(ownGroup: string): Promise<void> {
  for (const entry of await fs.readdir(ownGroup)) {
    const pid = Number(/^lucid-sandboxes-(\d+)-\d+$/.exec(entry)?.[1]);
    if (!pid || isAlive(pid)) continue;
    const parent = path.join(ownGroup, entry);
    const shells = (await fs.readdir(parent, { withFileTypes: true })).filter((child) => child.isDirectory());
    await removeGroups([...shells.map((shell) => path.join(parent, shell.name)), parent]).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `/proc/self/cgroup` of cgroup v1: "4:memory:/some/path" per hierarchy; a hierarchy may hold several controllers. */
function parseProcCgroup(text: string): Map<string, string> {
  const groups = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [, controllers, groupPath] = line.split(':');
    if (!controllers || groupPath === undefined) continue;
    for (const controller of controllers.split(',')) groups.set(controller, groupPath);
  }
  return groups;
}

async function readOomKills(memoryGroup: string): Promise<number> {
  try {
    const control = await fs.readFile(path.join(memoryGroup, 'memory.oom_control'), 'utf8');
    return Number(/^oom_kill (\d+)$/m.exec(control)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function readForkRefusals(pidsGroup: string): Promise<number> {
  try {
    return Number(/^max (\d+)$/m.exec(await fs.readFile(path.join(pidsGroup, 'pids.events'), 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** rmdir of a group whose last process is still being reaped fails with EBUSY for a moment. */
async function removeGroups(groups: string[]): Promise<void> {
  for (const group of groups) {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await fs.rmdir(group);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY') throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
}
