/**
 * The worker's shells: one persistent sandboxed shell per session (./persistent-shell.ts), started on the session's
 * first `bash` call, reused until it dies, is restarted, sits idle for LUCID_SANDBOX_IDLE_SECONDS or is the least
 * recently used when LUCID_SANDBOX_MAX_SHELLS are live. Commands of one session run one at a time, in the order
 * they arrive, whatever the model asks for in parallel. Each shell gets a control group of its own where the worker
 * may make them (./sandbox-cgroup.ts), and, when some hosts are allowed, an egress proxy that lets those through: the
 * hosts of the session's environment when the call names them, else the worker's LUCID_NETWORK_ALLOWED_HOSTS.
 *
 * The pool checks at start that a sandbox can be made on this worker. If it cannot (no bubblewrap, user
 * namespaces forbidden, LUCID_SANDBOX=off), `availability` says why and every call is refused: a command is never
 * run outside the sandbox.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findBubblewrap, probeSandbox, writeSandboxEtc } from './bubblewrap';
import { type EgressProxy, startEgressProxy } from './egress-proxy';
import { type SandboxCgroup, SandboxCgroups } from './sandbox-cgroup';
import { type CommandResult, PersistentShell } from './persistent-shell';
import type { ShellSettings } from './shell-settings';
import { giveWorkspaceTo, sandboxUidFor } from './workspace-owner';

export type SandboxAvailability = { ok: true } | { ok: false; reason: string };

export interface ShellRequest {
  sessionId: string;
  workspace: string;
  command: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * The hosts this session's sandbox may reach, when its environment says (src/domain/environment-sandbox.ts);
   * empty for none. Absent: the worker's LUCID_NETWORK_ALLOWED_HOSTS.
   */
  allowedHosts?: readonly string[];
}

export interface ShellCallResult extends CommandResult {
  /** True when this call started a new shell (first call, or the previous one was restarted, died or idled out). */
  freshShell: boolean;
  /** Limits of the sandbox's control group the command ran into: a process killed for memory, a fork refused. */
  hit: { memory: boolean; processes: boolean };
}

interface Slot {
  shell: PersistentShell;
  cgroup?: SandboxCgroup;
  /** The group's limit counters after the shell's last call (they only grow), to tell what the next one hit. */
  hits: { memory: number; processes: number };
  /** The host directory bound at /workspace; a call for another one gets a new shell. */
  workspace: string;
  /** Its allowlist, as {@link allowlistKey}; a call with another one gets a new shell. */
  network: string;
  lastUsed: number;
}

export class ShellPool {
  private readonly shells = new Map<string, Slot>();
  /** Per session, the tail of its queue of calls. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly reaper: NodeJS.Timeout;
  /** The generated /etc of each sandbox uid (root workers name a uid per workspace), under `stateDir`. */
  private readonly etcDirs = new Map<number, Promise<string>>();
  /**
   * An egress proxy per allowlist that sessions asked for (by {@link allowlistKey}), started on first use and kept
   * until the pool closes: there are as many as environments this worker has run sessions of.
   */
  private readonly proxies = new Map<string, Promise<EgressProxy>>();

  private constructor(
    readonly settings: ShellSettings,
    readonly availability: SandboxAvailability,
    private readonly bwrap: string,
    private readonly stateDir: string,
    proxy?: EgressProxy,
    private readonly cgroups?: SandboxCgroups,
  ) {
    if (proxy) this.proxies.set(allowlistKey(settings.allowedHosts), Promise.resolve(proxy));
    const everyMs = Math.min(settings.idleSeconds * 1000, 60_000);
    this.reaper = setInterval(() => this.stopIdleShells(), everyMs);
    this.reaper.unref();
  }

  /** A pool for this worker, with the sandbox probed once. */
  static async create(settings: ShellSettings): Promise<ShellPool> {
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lucid-sandbox-'));
    await fs.chmod(stateDir, 0o755); // sandboxes of a root worker read their /etc as their own uid
    const unavailable = (reason: string) => new ShellPool(settings, { ok: false, reason }, '', stateDir);
    if (!settings.enabled) return unavailable('LUCID_SANDBOX is "off"');
    const bwrap = await findBubblewrap();
    if (!bwrap) return unavailable('bubblewrap (bwrap) is not installed');
    const hostUid = runsAsRoot() ? settings.uidBase : undefined;
    const etcDir = await writeSandboxEtc(stateDir, hostUid);
    const probe = await probeSandbox({ bwrap, etcDir, settings, hostUid });
    if (!probe.ok) return unavailable(`bubblewrap cannot make a sandbox here: ${probe.reason}`);
    const proxy = settings.allowedHosts.length
      ? await startEgressProxy(path.join(stateDir, 'proxy.sock'), settings.allowedHosts)
      : undefined;
    return new ShellPool(settings, probe, bwrap, stateDir, proxy, (await SandboxCgroups.open()) ?? undefined);
  }

  /** Whether memory and processes are bounded per sandbox (a control group each) or only per process. */
  get limitScope(): 'sandbox' | 'process' {
    return this.cgroups ? 'sandbox' : 'process';
  }

  /** Runs a command in the session's shell, after any earlier call of the same session. */
  run(request: ShellRequest): Promise<ShellCallResult> {
    return this.serialised(request.sessionId, () => this.runNow(request));
  }

  /** Stops the session's shell once its earlier calls are done; the next call starts afresh. */
  restart(sessionId: string): Promise<void> {
    return this.serialised(sessionId, () => this.stopShell(sessionId));
  }

  /**
   * Kills the session's shell now, ending any command it is running (which then reports that the shell exited):
   * for a shell that may still be running a command whose call was given up.
   */
  kill(sessionId: string): Promise<void> {
    return this.stopShell(sessionId);
  }

  /** Whether the session has a live shell on this worker, which its next call would reuse. */
  holdsShell(sessionId: string): boolean {
    return this.shells.get(sessionId)?.shell.alive ?? false;
  }

  /** The number of live shells (for benchmarks and tests). */
  get size(): number {
    return this.shells.size;
  }

  async close(): Promise<void> {
    clearInterval(this.reaper);
    await Promise.all([...this.shells.keys()].map((sessionId) => this.stopShell(sessionId)));
    await Promise.all([...this.proxies.values()].map(async (proxy) => (await proxy).close()));
    await this.cgroups?.close();
    await fs.rm(this.stateDir, { recursive: true, force: true });
  }

  private async runNow(request: ShellRequest): Promise<ShellCallResult> {
    if (!this.availability.ok) throw new Error(`the sandbox is unavailable: ${this.availability.reason}`);
    const hostUid = runsAsRoot() ? await sandboxUidFor(request.workspace, this.settings.uidBase) : undefined;
    if (hostUid !== undefined) await giveWorkspaceTo(request.workspace, hostUid);
    const allowedHosts = request.allowedHosts ?? this.settings.allowedHosts;
    let slot = this.shells.get(request.sessionId);
    const freshShell =
      !slot?.shell.alive || slot.workspace !== request.workspace || slot.network !== allowlistKey(allowedHosts);
    if (!slot || freshShell) {
      slot?.shell.kill();
      this.makeRoomForAShell();
      slot = await this.startShell(request.workspace, hostUid, allowedHosts);
      this.shells.set(request.sessionId, slot);
    }
    const result = await slot.shell.run(request.command, { timeoutMs: request.timeoutMs, signal: request.signal });
    const before = slot.hits;
    slot.hits = (await slot.cgroup?.limitHits()) ?? before;
    slot.lastUsed = Date.now();
    if (!slot.shell.alive) this.shells.delete(request.sessionId);
    const hit = { memory: slot.hits.memory > before.memory, processes: slot.hits.processes > before.processes };
    return { ...result, freshShell, hit, output: withDiagnostics(result, slot.shell) };
  }

  private async startShell(
    workspace: string,
    hostUid: number | undefined,
    allowedHosts: readonly string[],
  ): Promise<Slot> {
    const { memoryMb, maxProcesses } = this.settings;
    const proxy = await this.proxyFor(allowedHosts);
    const cgroup = await this.cgroups?.create({ memoryMb, maxProcesses });
    const shell = new PersistentShell({
      bwrap: this.bwrap,
      workspace,
      etcDir: await this.etcDirFor(hostUid),
      settings: this.settings,
      hostUid,
      proxySocket: proxy?.socketPath,
      cgroup,
    });
    const network = allowlistKey(allowedHosts);
    return { shell, cgroup, workspace, network, lastUsed: Date.now(), hits: { memory: 0, processes: 0 } };
  }

  /** The proxy that lets `allowedHosts` through; none when no host is allowed, so the sandbox has no way out. */
  private proxyFor(allowedHosts: readonly string[]): Promise<EgressProxy> | undefined {
    if (allowedHosts.length === 0) return undefined;
    const key = allowlistKey(allowedHosts);
    let proxy = this.proxies.get(key);
    if (!proxy) {
      const name = `proxy-${createHash('sha256').update(key).digest('hex').slice(0, 16)}.sock`;
      proxy = startEgressProxy(path.join(this.stateDir, name), allowedHosts);
      proxy.catch(() => this.proxies.delete(key)); // a failed start is tried again by the next shell
      this.proxies.set(key, proxy);
    }
    return proxy;
  }

  private etcDirFor(hostUid: number | undefined): Promise<string> {
    const key = hostUid ?? -1;
    let dir = this.etcDirs.get(key);
    if (!dir) {
      dir = writeSandboxEtc(this.stateDir, hostUid);
      this.etcDirs.set(key, dir);
    }
    return dir;
  }

  private async stopShell(sessionId: string): Promise<void> {
    const slot = this.shells.get(sessionId);
    this.shells.delete(sessionId);
    await slot?.shell.stop();
  }

  /**
   * Past LUCID_SANDBOX_MAX_SHELLS, stops the least recently used shells that no call is waiting for; a worker whose
   * shells are all busy goes over the cap rather than refuse (its activity slots bound it).
   */
  private makeRoomForAShell(): void {
    const idle = [...this.shells].filter(([sessionId]) => !this.queues.has(sessionId));
    idle.sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [sessionId] of idle.slice(0, Math.max(0, this.shells.size + 1 - this.settings.maxShells))) {
      void this.stopShell(sessionId);
    }
  }

  private stopIdleShells(): void {
    const cutoff = Date.now() - this.settings.idleSeconds * 1000;
    for (const [sessionId, slot] of this.shells) {
      if (slot.lastUsed < cutoff && !this.queues.has(sessionId)) void this.restart(sessionId);
    }
  }

  private serialised<T>(sessionId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(sessionId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.queues.set(sessionId, tail);
    void tail.then(() => {
      if (this.queues.get(sessionId) === tail) this.queues.delete(sessionId);
    });
    return next;
  }
}

/** A shell that died at start-up explains why on its stderr (bubblewrap's own errors); the model should see that. */
function withDiagnostics(result: CommandResult, shell: PersistentShell): string {
  if (result.end !== 'shell_exited' || !shell.diagnostics) return result.output;
  return `${result.output}${result.output ? '\n' : ''}${shell.diagnostics}`;
}

/** One name for an allowlist whatever its order. */
function allowlistKey(allowedHosts: readonly string[]): string {
  return [...new Set(allowedHosts)].sort().join(',');
}

function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}
