/**
 * One session's persistent bash, running inside its bubblewrap sandbox (./bubblewrap.ts) for as long as the
 * session uses it: the working directory and exported variables carry over from call to call, as in Managed
 * Agents. The worker talks to it over two pipes:
 *
 *   - commands arrive on the shell's standard input, moved to fd 3 at start so that commands themselves read
 *     /dev/null (a `cat` with no arguments must not swallow the next command). Each is "<marker>\0<command>\0";
 *   - the command runs in the shell itself (`eval`, so `cd` and `export` persist) with stderr merged into stdout,
 *     and the shell then prints "\n<marker>:<status>\n" (./shell-output.ts finds it).
 *
 * Limits set with `ulimit` before the first command bind every process in the sandbox: CPU seconds, file size, no
 * core dumps, and, when the worker cannot give the sandbox a control group (./sandbox-cgroup.ts), address space
 * and processes. A process a command leaves running in the background is killed when the command ends. The
 * wall-clock timeout, the output cap and cancellation are enforced from the worker by killing the whole sandbox,
 * after which the next call starts a fresh shell.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { SANDBOX_PROXY_PORT, SANDBOX_PROXY_SOCKET, SANDBOX_WORKSPACE, spawnBubblewrap } from './bubblewrap';
import { ShellOutput } from './shell-output';
import type { SandboxCgroup } from './sandbox-cgroup';
import type { ShellSettings } from './shell-settings';

/** How a command ended; anything but `completed` means the sandbox was killed or died. */
export type CommandEnd = 'completed' | 'timeout' | 'output_limit' | 'cancelled' | 'shell_exited';

export interface CommandResult {
  end: CommandEnd;
  output: string;
  totalBytes: number;
  /** The command's exit status; for `shell_exited`, the shell's (null when a signal ended it). */
  exitCode: number | null;
  /** The signal that ended the shell, for `shell_exited`. */
  signal: NodeJS.Signals | null;
}

export interface ShellStartOptions {
  bwrap: string;
  workspace: string;
  etcDir: string;
  settings: ShellSettings;
  /** Host uid the sandbox runs as (root workers only; others map uid 1000 to themselves). */
  hostUid?: number;
  /** The egress proxy's socket, when some hosts are allowed (./egress-proxy.ts). */
  proxySocket?: string;
  /** The shell's control group, when the worker may make them (./sandbox-cgroup.ts); removed when the shell ends. */
  cgroup?: SandboxCgroup;
}

const BUBBLEWRAP_ERROR_BYTES = 4096;

export class PersistentShell {
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;
  /** Emits `close` once the shell has exited and its output is drained. */
  private readonly closed = new EventEmitter();

  constructor(private readonly options: ShellStartOptions) {
    const script = driverScript(options.settings, {
      withProxy: options.proxySocket !== undefined,
      groupLimits: options.cgroup !== undefined,
    });
    const command = ['/bin/bash', '--noprofile', '--norc', '-c', script];
    this.child = spawnBubblewrap(options.bwrap, { ...options, command }, options.cgroup?.procsFiles);
    this.child.stdin.on('error', () => {}); // a write after the shell died; its exit is reported instead
    this.child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < BUBBLEWRAP_ERROR_BYTES) this.stderr += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.exit = { code, signal };
        void options.cgroup?.remove().catch(() => undefined); // empty now: the sandbox died with bubblewrap
        resolve();
        this.closed.emit('close');
      });
      this.child.on('error', (error) => {
        this.stderr += error.message;
        this.exit ??= { code: null, signal: null };
        resolve();
        this.closed.emit('close');
      });
    });
  }

  private killed = false;

  /** False once the shell exited or was killed: such a shell takes no more commands. */
  get alive(): boolean {
    return this.exit === null && !this.killed;
  }

  /** What bubblewrap or bash printed on their own stderr (a failed sandbox set-up explains itself there). */
  get diagnostics(): string {
    return this.stderr.trim().slice(0, BUBBLEWRAP_ERROR_BYTES);
  }

  /**
   * Runs one command to its end or to a limit. Never rejects: a dead or killed shell is a result. One command at a
   * time: callers serialise (./shell-pool.ts).
   */
  run(command: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<CommandResult> {
    const marker = randomBytes(16).toString('hex');
    const output = new ShellOutput(marker);
    const maxBytes = this.options.settings.maxOutputMb * 1024 * 1024;
    return new Promise<CommandResult>((resolve) => {
      let settled = false;
      const finish = (end: CommandEnd, exitCode: number | null) => {
        if (settled) return;
        settled = true;
        cleanup();
        if (end !== 'completed' && end !== 'shell_exited') this.kill();
        const { text, totalBytes } = output.collected();
        const signal = end === 'shell_exited' ? (this.exit?.signal ?? null) : null;
        resolve({ end, output: text, totalBytes, exitCode, signal });
      };
      const onData = (chunk: Buffer) => {
        const status = output.push(chunk);
        if (status !== null) finish('completed', status);
        else if (output.receivedBytes > maxBytes) finish('output_limit', null);
      };
      const onAbort = () => finish('cancelled', null);
      const onClose = () => finish('shell_exited', this.exit?.code ?? null);
      const timer = setTimeout(() => finish('timeout', null), options.timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.child.stdout.off('data', onData);
        this.closed.off('close', onClose);
        options.signal?.removeEventListener('abort', onAbort);
      };
      if (!this.alive) return onClose();
      if (options.signal?.aborted) return finish('cancelled', null);
      options.signal?.addEventListener('abort', onAbort);
      this.child.stdout.on('data', onData);
      this.closed.on('close', onClose);
      this.child.stdin.write(`${marker}\0${command}\0`);
    });
  }

  /** Kills the whole sandbox: bubblewrap's death takes every process in it down (`--die-with-parent`). */
  kill(): void {
    if (!this.alive || this.child.pid === undefined) return;
    this.killed = true;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** Kills the sandbox and waits until it is gone. */
  async stop(): Promise<void> {
    this.kill();
    await this.exited;
  }
}

/**
 * The shell's main loop. `ulimit` with neither -S nor -H sets both limits, so a command cannot raise them again.
 * Variables start with __lucid_ to stay out of the way of the model's own.
 */
function driverScript(
  settings: ShellSettings,
  { withProxy, groupLimits }: { withProxy: boolean; groupLimits: boolean },
) {
  // A control group bounds memory and processes for the sandbox as a whole; without one, per process.
  const perProcess = groupLimits ? '' : ` -v ${settings.memoryMb * 1024} -u ${settings.maxProcesses}`;
  return [
    'exec 3<&0 0</dev/null',
    `cd ${SANDBOX_WORKSPACE} || exit 1`,
    `ulimit -c 0 -t ${settings.cpuSeconds} -f ${settings.maxFileMb * 1024}${perProcess}`,
    ...(withProxy ? [`__lucid_relay='${PROXY_RELAY}'`] : []),
    'while IFS= read -r -d "" -u 3 __lucid_marker && IFS= read -r -d "" -u 3 __lucid_command; do',
    // The relay to the egress proxy is started for each command (the end of the last one killed it) and is
    // listening before the command runs; without python3 in the sandbox there is simply no network.
    ...(withProxy
      ? ['  exec 4< <(exec /usr/bin/python3 -c "$__lucid_relay" 3<&- 2>/dev/null); IFS= read -r -u 4 __lucid_ready']
      : []),
    '  eval "$__lucid_command" 3<&- 4<&- 2>&1',
    '  __lucid_status=$?',
    // Nothing outlives its call: `kill -1` signals every process of the sandbox's user but the shell itself (and the
    // namespace's init), repeated while a fork bomb still has members. Disowned first, so the shell does not
    // report the killed jobs in the next command's output.
    '  disown -a 2>/dev/null',
    ...(withProxy ? ['  exec 4<&-'] : []),
    '  for ((__lucid_round = 0; __lucid_round < 100; __lucid_round++)); do kill -9 -1 2>/dev/null || break; done',
    '  printf "\\n%s:%d\\n" "$__lucid_marker" "$__lucid_status"',
    'done',
  ].join('\n');
}

/**
 * Carries each TCP connection to 127.0.0.1:3128 inside the sandbox to the egress proxy's Unix socket. Python,
 * because the sandbox offers it from the host's /usr; it prints "ready" once it listens. No single quotes: the
 * driver holds it in a single-quoted shell string.
 */
const PROXY_RELAY = `
import socket, threading, time
def pipe(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    for sock in (sink, source):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
def serve(client):
    upstream = socket.socket(socket.AF_UNIX)
    try:
        upstream.connect("${SANDBOX_PROXY_SOCKET}")
    except OSError:
        client.close()
        return
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
    pipe(client, upstream)
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
for attempt in range(100):
    try:
        listener.bind(("127.0.0.1", ${SANDBOX_PROXY_PORT}))
        break
    except OSError:
        time.sleep(0.01)
listener.listen(64)
print("ready", flush=True)
while True:
    connection, _ = listener.accept()
    threading.Thread(target=serve, args=(connection,), daemon=True).start()
`;
