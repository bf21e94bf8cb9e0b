/**
 * The OS sandbox the `bash` tool's shell runs in: bubblewrap (https://github.com/containers/bubblewrap, Debian's
 * `bubblewrap`), the unprivileged sandbox Flatpak is built on. Lucid hand-writes no isolation of its own beyond a
 * 14-instruction seccomp filter (./seccomp.ts); this file says which of bubblewrap's options a shell gets and why.
 *
 * What the sandboxed process sees:
 *   - a fresh PID, network, IPC, UTS and cgroup namespace, so no host process is visible or signalable and there is
 *     no network but its own loopback (and, when the operator allows some hosts, the egress proxy's socket);
 *   - an unprivileged user with no capabilities and `no_new_privs`, in one of two ways:
 *       - a worker that is not root runs bubblewrap unprivileged in a new user namespace, as uid 1000 mapped to the
 *         worker's own uid; `--disable-userns` keeps it from creating further namespaces;
 *       - a root worker runs bubblewrap privileged (so it can mount a workspace under a directory only root may
 *         enter), and the command starts through util-linux's `setpriv`, which becomes the workspace's own
 *         unprivileged host uid (./workspace-owner.ts) and drops every capability before anything of the model's
 *         runs. That uid owns only its workspace, and a setuid file it writes is no root's; a seccomp filter
 *         (./seccomp.ts) takes the place of `--disable-userns`, which needs a user namespace;
 *   - `/usr` (and the `/bin`, `/lib`... links or directories of the host) read-only, a private `/proc` for its own
 *     PID namespace, a minimal `/dev`, a size-capped tmpfs `/tmp`, and an `/etc` holding only a generated
 *     passwd/group/hosts plus the host's public configuration (certificates, alternatives, the linker cache);
 *   - the session's workspace read-write at `/workspace`; nothing else of the host (no home directories, no data
 *     directory, no other workspace);
 *   - an empty environment except for PATH, HOME, LANG and friends: the worker's variables never reach it.
 * `--die-with-parent` kills the whole sandbox when the worker dies, and `--new-session` detaches it from any
 * terminal. Everything runs on the host kernel: a kernel bug is out of this sandbox's reach to prevent.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { promises as fs, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { userNamespaceFilter } from './seccomp';
import type { ShellSettings } from './shell-settings';

/** Where the workspace appears inside the sandbox, as in Managed Agents' containers. */
export const SANDBOX_WORKSPACE = '/workspace';
/** The sandbox user's uid inside a user namespace (workers that are not root). */
export const SANDBOX_UID = 1000;
const SANDBOX_HOME = '/tmp/home';

/** Host configuration that is public and that common tools need; bound read-only where present. */
const HOST_ETC_ENTRIES = ['alternatives', 'ssl/certs', 'ca-certificates', 'ld.so.cache', 'localtime', 'mime.types'];

export interface SandboxCommandOptions {
  /** The session's workspace on the host. */
  workspace: string;
  /** The generated /etc files (see {@link writeSandboxEtc}). */
  etcDir: string;
  settings: ShellSettings;
  /** The program to run inside and its arguments. */
  command: readonly string[];
  /** For a root worker: the unprivileged host uid the command runs as. Absent: a user namespace, as uid 1000. */
  hostUid?: number;
  /** The egress proxy's socket on the host (./egress-proxy.ts), when some hosts are allowed. */
  proxySocket?: string;
}

/** Where the egress proxy's socket appears inside, and where the relay to it listens. */
export const SANDBOX_PROXY_SOCKET = '/run/lucid/proxy.sock';
export const SANDBOX_PROXY_PORT = 3128;

/** bubblewrap's arguments for running `command` in a session's sandbox. */
export function bubblewrapArgs(options: SandboxCommandOptions): string[] {
  const { workspace, etcDir, settings, command, hostUid, proxySocket } = options;
  return [
    ...(hostUid === undefined ? USER_NAMESPACE : [...PRIVILEGED_NAMESPACES, '--seccomp', String(SECCOMP_FD)]),
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'sandbox',
    ...systemDirectories(),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    // Open to all like any /tmp (and HOME under it): a root worker's bubblewrap makes them as root, and only the
    // sandbox user ever lives here.
    '--perms',
    '1777',
    '--size',
    String(settings.tmpMb * 1024 * 1024),
    '--tmpfs',
    '/tmp',
    '--perms',
    '0777',
    '--dir',
    SANDBOX_HOME,
    ...etcMounts(etcDir),
    // No --chdir: a root worker's bubblewrap has dropped the right to enter a workspace it does not own, so the
    // command changes directory itself once it runs as the workspace's user.
    '--bind',
    workspace,
    SANDBOX_WORKSPACE,
    ...(proxySocket ? proxyMounts(proxySocket) : []),
    '--clearenv',
    ...sandboxEnvironment(proxySocket !== undefined),
    '--',
    ...(hostUid === undefined ? command : asUnprivileged(hostUid, command)),
  ];
}

/** The socket, under directories the sandbox's user may enter (bubblewrap makes missing parents root-only). */
function proxyMounts(proxySocket: string): string[] {
  const dir = path.posix.dirname(SANDBOX_PROXY_SOCKET);
  return [
    '--perms',
    '0755',
    '--dir',
    path.posix.dirname(dir),
    '--perms',
    '0755',
    '--dir',
    dir,
    '--ro-bind',
    proxySocket,
    SANDBOX_PROXY_SOCKET,
  ];
}

const USER_NAMESPACE = [
  '--unshare-all',
  '--unshare-user',
  '--disable-userns',
  '--uid',
  String(SANDBOX_UID),
  '--gid',
  String(SANDBOX_UID),
];

/** Root's bubblewrap keeps only what `setpriv` needs to switch user and clear the bounding set. */
const PRIVILEGED_NAMESPACES = [
  ...['--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup'],
  ...['--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP'],
];

/** The descriptor bubblewrap reads a root worker's seccomp filter from (see {@link spawnBubblewrap}). */
const SECCOMP_FD = 3;

/**
 * Starts bubblewrap on `options` with an empty environment, in a process group of its own (so killing the group
 * cannot reach the worker), feeding it the seccomp filter a root worker's sandboxes need. Throws where that filter
 * is unknown (an architecture other than x64 and arm64) rather than run a sandbox without it. With `cgroupProcs`,
 * bubblewrap starts inside those control groups (./sandbox-cgroup.ts).
 */
export function spawnBubblewrap(
  bwrap: string,
  options: SandboxCommandOptions,
  cgroupProcs: readonly string[] = [],
): ChildProcessWithoutNullStreams {
  const filter = options.hostUid === undefined ? null : userNamespaceFilter();
  if (options.hostUid !== undefined && !filter)
    throw new Error(`no seccomp filter for the ${process.arch} architecture: a root worker cannot sandbox commands`);
  const [program, ...args] = joiningGroups(cgroupProcs, [bwrap, ...bubblewrapArgs(options)]);
  const child = spawn(program, args, {
    stdio: ['pipe', 'pipe', 'pipe', filter ? 'pipe' : 'ignore'],
    env: {},
    detached: true,
  }) as ChildProcessWithoutNullStreams;
  const filterPipe = child.stdio[SECCOMP_FD] as NodeJS.WritableStream | null;
  if (filter && filterPipe) {
    filterPipe.on('error', () => {}); // bubblewrap died first; its exit is reported instead
    filterPipe.end(filter);
  }
  return child;
}

/**
 * Runs the sandbox from a shell that first joins the control groups, so bubblewrap and everything it starts are
 * inside from their first instruction (moving bubblewrap in after it started would race its first fork). The
 * shell's `exec` keeps the seccomp filter's descriptor open for bubblewrap.
 */
function joiningGroups(procsFiles: readonly string[], sandbox: string[]): string[] {
  if (procsFiles.length === 0) return sandbox;
  const join = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';
  return ['/bin/sh', '-c', join, 'join-cgroup', ...procsFiles, '--', ...sandbox];
}

function asUnprivileged(uid: number, command: readonly string[]): string[] {
  const id = String(uid);
  return [
    '/usr/bin/setpriv',
    ...['--reuid', id, '--regid', id, '--clear-groups', '--no-new-privs'],
    ...['--bounding-set', '-all', '--inh-caps', '-all', '--'],
    ...command,
  ];
}

/** `/usr` read-only, and the top-level system directories as the host has them: links into /usr, or directories. */
function systemDirectories(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const name of topLevelSystemEntries()) {
    const host = `/${name}`;
    const stat = lstatSync(host);
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(host), host);
    else if (stat.isDirectory()) args.push('--ro-bind', host, host);
  }
  return args;
}

function topLevelSystemEntries(): string[] {
  const wanted = /^(bin|sbin|lib|lib32|lib64|libx32)$/;
  return readdirSync('/').filter((name) => wanted.test(name));
}

function etcMounts(etcDir: string): string[] {
  const args = ['--tmpfs', '/etc'];
  for (const file of GENERATED_ETC_FILES) args.push('--ro-bind', path.join(etcDir, file), `/etc/${file}`);
  for (const entry of HOST_ETC_ENTRIES) args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
  args.push('--remount-ro', '/etc');
  return args;
}

function sandboxEnvironment(withProxy: boolean): string[] {
  const proxy = `http://127.0.0.1:${SANDBOX_PROXY_PORT}`;
  const proxyVariables = { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy };
  const variables: Record<string, string> = {
    ...(withProxy ? proxyVariables : {}),
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin',
    HOME: SANDBOX_HOME,
    USER: 'user',
    LOGNAME: 'user',
    SHELL: '/bin/bash',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    TMPDIR: '/tmp',
  };
  return Object.entries(variables).flatMap(([name, value]) => ['--setenv', name, value]);
}

const GENERATED_ETC_FILES = ['passwd', 'group', 'hosts', 'hostname', 'nsswitch.conf'] as const;

/**
 * Writes the sandbox's own /etc files into a fresh host directory under `parent` and returns it: a passwd naming
 * the sandbox user (so `whoami` and Python's `getpass` work) instead of the host's accounts.
 */
export async function writeSandboxEtc(parent: string, uid: number = SANDBOX_UID): Promise<string> {
  const dir = await fs.mkdtemp(path.join(parent, 'etc-'));
  await fs.chmod(dir, 0o755); // the sandbox may run as another uid than the worker's
  const files: Record<(typeof GENERATED_ETC_FILES)[number], string> = {
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\nuser:x:${uid}:${uid}:user:${SANDBOX_HOME}:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\nuser:x:${uid}:\nnogroup:x:65534:\n`,
    hosts: '127.0.0.1 localhost sandbox\n::1 localhost\n',
    hostname: 'sandbox\n',
    'nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files\n',
  };
  for (const [name, content] of Object.entries(files)) {
    await fs.writeFile(path.join(dir, name), content, { mode: 0o644 });
  }
  return dir;
}

/** Where bubblewrap is installed, or null. */
export async function findBubblewrap(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const candidates = (env.PATH ?? '/usr/bin:/bin').split(':').map((dir) => path.join(dir, 'bwrap'));
  for (const candidate of candidates) {
    try {
      await fs.access(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * Runs `true` in a sandbox exactly as a shell would get one, so a worker whose kernel forbids user namespaces (or
 * that lacks bubblewrap) finds out at start, not on the model's first call. Resolves with the reason it cannot.
 */
export async function probeSandbox(options: {
  bwrap: string;
  etcDir: string;
  settings: ShellSettings;
  hostUid: number | undefined;
}): Promise<{ ok: true } | { ok: false; reason: string }> {
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'lucid-sandbox-probe-'));
  try {
    if (options.hostUid !== undefined) await fs.chown(workspace, options.hostUid, options.hostUid);
    const { code, stderr } = await runToEnd(options.bwrap, {
      ...options,
      workspace,
      command: ['/bin/sh', '-c', 'test -w /workspace'],
    });
    return code === 0 ? { ok: true } : { ok: false, reason: stderr.trim() || `the probe exited with code ${code}` };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    await fs.rm(workspace, { recursive: true, force: true });
  }
}

const PROBE_TIMEOUT_MS = 10_000;

function runToEnd(bwrap: string, options: SandboxCommandOptions): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnBubblewrap(bwrap, options);
    let stderr = '';
    child.stdin.end();
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
