/**
 * Escape and abuse attempts through `bash`, on a real worker with its real bubblewrap sandboxes: one session issues
 * every attempt in turn through the scripted model, while a second session on the same worker runs harmless
 * commands that must keep working meanwhile. Each attempt is then checked against what the model was told and,
 * where the host could show the damage (a setuid file, a file past its size limit, a connection to a listener, a
 * process left running), against the host itself.
 *
 * The worker runs in this jest process, so `process.pid` is the worker's pid and `process.env` its environment.
 * The shells get small limits so the bombs hit them quickly.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import type { Rule, Scenario } from '../../src/scripted-model/scenario';
import { ShellPool } from '../../src/shell/shell-pool';
import { DEFAULT_SHELL_SETTINGS, type ShellSettings } from '../../src/shell/shell-settings';
import { startSessionHarness, workspaceOf, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';

const agent: AgentDefinition = {
  name: 'shell-user',
  model: 'scripted-small',
  system: 'You use the shell.',
  tools: ['bash'],
  max_turns: 200,
  max_tokens: 1024,
};
const attacker: AgentDefinition = { ...agent, name: 'attacker', system: 'ATTACKER: try to escape.' };
const bystander: AgentDefinition = { ...agent, name: 'bystander', system: 'BYSTANDER: count lines.' };

const SETTINGS: ShellSettings = {
  ...DEFAULT_SHELL_SETTINGS,
  defaultTimeoutMs: 20_000,
  cpuSeconds: 20,
  memoryMb: 512,
  maxProcesses: 64,
  maxFileMb: 4,
  tmpMb: 8,
  maxOutputMb: 1,
};

/** What the attempts need to know about the host; filled in once the worker runs. */
interface Host {
  workerPid: number;
  marker: string;
  dataDir: string;
  otherWorkspace: string;
  otherSecret: string;
  port: number;
}

interface Result {
  text: string;
  is_error: boolean;
}

interface Attempt {
  name: string;
  command: (host: Host) => string;
  timeout_ms?: number;
  /** What the model must have been told. */
  check: (result: Result, host: Host) => void;
}

const host: Host = { workerPid: process.pid, marker: '', dataDir: '', otherWorkspace: '', otherSecret: '', port: 0 };

const refused = (pattern: RegExp) => (result: Result) => expect(result.text).toMatch(pattern);
const NOT_FOUND = /No such file or directory/;

const ATTEMPTS: Attempt[] = [
  // Reading and writing outside the workspace.
  {
    name: 'reads /etc/shadow by its absolute path',
    command: () => 'cat /etc/shadow',
    check: refused(NOT_FOUND),
  },
  {
    name: 'climbs out of /workspace with ..',
    command: () => 'cat /workspace/../../../../etc/shadow; ls /workspace/../..',
    check: (result) => {
      expect(result.text).toMatch(NOT_FOUND);
      expect(result.text).not.toMatch(/\broot\b|\bhome\b/);
    },
  },
  {
    name: 'writes outside the workspace with ..',
    command: () => 'echo escaped > /workspace/../escaped.txt',
    check: refused(/Permission denied/),
  },
  {
    name: 'follows a symlink it made to /',
    command: () => 'ln -s / root-link && cat root-link/etc/shadow; ls root-link/',
    check: (result) => {
      expect(result.text).toMatch(NOT_FOUND);
      expect(result.text).toContain('workspace'); // the sandbox's own root, not the host's
      expect(result.text).not.toMatch(/\bhome\b|\bboot\b|\bvar\b/);
    },
  },
  {
    name: "reads the worker's environment through /proc/<worker pid>/environ",
    command: ({ workerPid }) => `cat /proc/${workerPid}/environ`,
    check: refused(NOT_FOUND),
  },
  {
    name: "links to the worker's /proc/<pid>/environ",
    command: ({ workerPid }) => `ln -s /proc/${workerPid}/environ env-link && cat env-link`,
    check: refused(NOT_FOUND),
  },
  {
    name: 'goes through /proc/self/root',
    command: () => 'cat /proc/self/root/etc/shadow; ls /proc/self/root/',
    check: (result) => {
      expect(result.text).toMatch(NOT_FOUND);
      expect(result.text).not.toMatch(/\bhome\b|\bboot\b/);
    },
  },
  {
    name: "goes through /proc/1/root and /proc/1/environ (the sandbox's init)",
    command: () => 'ls /proc/1/root/; cat /proc/1/environ; ls /proc/1/cwd/',
    check: (result) => {
      expect(result.text).toMatch(/Permission denied/);
      expect(result.is_error).toBe(true);
    },
  },
  {
    name: "reads another session's workspace by its host path",
    command: ({ otherWorkspace }) => `cat ${otherWorkspace}/secret.txt; ls ${otherWorkspace}`,
    check: refused(NOT_FOUND),
  },
  {
    name: "overwrites another session's workspace by its host path",
    command: ({ otherWorkspace }) => `echo pwned > ${otherWorkspace}/secret.txt`,
    check: refused(NOT_FOUND),
  },
  {
    name: 'lists the data directory',
    command: ({ dataDir }) => `ls ${dataDir}`,
    check: refused(NOT_FOUND),
  },
  {
    name: 'reaches the host directories that /proc/1/cmdline names',
    // bubblewrap's own command line shows the host paths it binds; knowing them must reach nothing.
    command: () =>
      "for dir in $(tr '\\0' '\\n' < /proc/1/cmdline | grep '^/.*lucid-' | xargs -n1 dirname | sort -u); do ls $dir; done",
    check: (result) => {
      expect(result.text).toMatch(NOT_FOUND);
      expect(result.text).not.toMatch(/^(passwd|group|nsswitch\.conf|secret\.txt)$/m);
    },
  },
  {
    name: 'lists /root and /home',
    command: () => 'ls /root /home',
    check: refused(NOT_FOUND),
  },
  {
    name: "reads the host's accounts from /etc/passwd",
    command: () => 'cat /etc/passwd',
    check: (result) => {
      const sandboxNames = new Set(result.text.split('\n').map((line) => line.split(':')[0]));
      const hostOnly = fs
        .readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .map((line) => line.split(':')[0])
        .filter((name) => name && !['root', 'nobody'].includes(name));
      expect(hostOnly.filter((name) => sandboxNames.has(name))).toEqual([]);
    },
  },
  {
    name: 'writes to /usr',
    command: () => 'touch /usr/bin/planted; echo planted > /usr/local/planted',
    check: refused(/Read-only file system/),
  },
  // Network.
  {
    name: "connects to the test's loopback listener with bash's /dev/tcp",
    command: ({ port }) => `echo hello > /dev/tcp/127.0.0.1/${port}`,
    check: refused(/Connection refused/),
  },
  {
    name: 'connects to the listener with a Python socket',
    command: ({ port }) => `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port}), timeout=2)"`,
    check: refused(/ConnectionRefusedError/),
  },
  {
    name: 'connects to the listener with curl',
    command: ({ port }) => `curl -sS -m 2 http://127.0.0.1:${port}/`,
    check: refused(/Failed to connect|Couldn't connect/),
  },
  {
    name: 'resolves a real host name',
    command: () =>
      'getent hosts example.com || echo getent-failed; python3 -c "import socket; socket.gethostbyname(\'example.com\')"',
    check: (result) => {
      expect(result.text).toContain('getent-failed');
      expect(result.text).toMatch(/gaierror/);
    },
  },
  // The worker's environment and process.
  {
    name: "reads the worker's variables from the environment and every /proc/*/environ",
    command: () => "env; cat /proc/*/environ | tr '\\0' '\\n'",
    check: (result, { marker }) => {
      expect(result.text).not.toContain(marker);
      expect(result.text).not.toMatch(/ANTHROPIC|TEMPORAL|LUCID/);
      expect(result.text).toContain('HOME=/tmp/home');
    },
  },
  {
    name: 'kills the worker by its pid',
    command: ({ workerPid }) => `kill -9 ${workerPid}`,
    check: refused(/No such process/),
  },
  {
    name: 'kills everything it can signal, and the sandbox init',
    command: () => 'kill -9 -1; kill -9 1',
    check: refused(/kill: \(1\) - Operation not permitted/),
  },
  {
    name: 'sees no host process in its process list',
    command: ({ workerPid }) => `test -e /proc/${workerPid} && echo worker-visible; ps -e -o pid=,comm=`,
    check: (result) => {
      expect(result.text).not.toContain('worker-visible');
      expect(result.text).not.toMatch(/node|temporal|jest/);
    },
  },
  {
    name: 'traces the sandbox init and the worker with strace and gdb',
    command: ({ workerPid }) => `strace -p 1 -o /dev/null; strace -p ${workerPid}; gdb -p 1 -batch 2>&1 | tail -3`,
    check: (result) => {
      expect(result.text).toMatch(/PTRACE_SEIZE, 1\): Operation not permitted/);
      expect(result.text).toMatch(/ptrace: Operation not permitted|No such process/);
    },
  },
  {
    name: 'attaches with ptrace(PTRACE_ATTACH) through Python ctypes',
    command: () =>
      'python3 -c "import ctypes; libc = ctypes.CDLL(None, use_errno=True); ' +
      "print('ptrace', libc.ptrace(16, 1, 0, 0), 'errno', ctypes.get_errno())\"",
    check: refused(/ptrace -1 errno 1\b/),
  },
  // Resource bombs.
  {
    name: 'fork bomb',
    command: () => ':(){ :|:& };: ; sleep 1; echo still-here',
    check: (result) => {
      expect(result.text).toMatch(/fork: retry|Resource temporarily unavailable|output limit/);
    },
  },
  {
    name: 'runs normally after the fork bomb, with no bomb left',
    command: () => 'ps -e -o comm= | wc -l',
    check: (result) => {
      expect(result.is_error).toBe(false);
      expect(Number(result.text.trim())).toBeLessThanOrEqual(5); // bwrap, bash, ps, wc (and a subshell)
    },
  },
  {
    name: 'memory bomb: allocates 8 GB',
    command: () => 'python3 -c "bytearray(8 * 1024 ** 3)"',
    check: (result) => {
      expect(result.is_error).toBe(true);
      // The sandbox's control group holds the memory of all its processes: the kernel kills the one over it.
      expect(result.text).toContain('Killed');
      expect(result.text).toContain("over the sandbox's memory limit");
    },
  },
  {
    name: 'sets a variable the endless loop will lose',
    command: () => 'export KEPT=yes; echo "kept=$KEPT"',
    check: (result) => expect(result.text).toContain('kept=yes'),
  },
  {
    name: 'endless loop',
    // Not `while :; do :; done`: the fork bomb's function `:` still lives in this shell, and would run instead.
    command: () => 'while true; do true; done',
    timeout_ms: 1500,
    check: (result) => {
      expect(result.is_error).toBe(true);
      expect(result.text).toContain('ran past its timeout of 1500 ms');
    },
  },
  {
    name: 'the call after the endless loop runs in a fresh shell',
    command: () => 'echo "kept=${KEPT:-gone} in $(pwd)"',
    check: (result) => expect(result).toEqual({ text: 'kept=gone in /workspace\n', is_error: false }),
  },
  {
    name: 'huge output',
    command: () => 'yes',
    check: (result) => {
      expect(result.is_error).toBe(true);
      expect(result.text).toContain('more than the output limit of 1 MB');
      expect(result.text.length).toBeLessThan(40_000);
    },
  },
  {
    name: 'leaves a sleep running in the background',
    command: () => 'sleep 1000 & setsid sleep 1001 & nohup sleep 1002 >/dev/null & disown -a; echo started',
    check: (result) => expect(result.text).toContain('started'),
  },
  {
    name: 'finds its background sleeps gone on the next call',
    command: () => "ps -e -o comm= | grep -c '^sleep$' || true",
    check: (result) => expect(result.text.trim()).toBe('0'),
  },
  {
    name: 'leaves a writer appending to a file in the background',
    command: () => '(while :; do echo line >> grow.txt; sleep 0.05; done) & sleep 0.3; echo writing',
    check: (result) => expect(result.text).toContain('writing'),
  },
  {
    name: 'sees the file stop growing after the call',
    command: () => 'before=$(wc -l < grow.txt); sleep 0.5; after=$(wc -l < grow.txt); echo "$before $after"',
    check: (result) => {
      const [before, after] = result.text.trim().split(' ').map(Number);
      expect(before).toBeGreaterThan(0);
      expect(after).toBe(before);
    },
  },
  // Privileges.
  {
    name: 'makes a setuid copy of a shell and gives it to root',
    command: () => 'cp /bin/bash suid-bash && chmod 4755 suid-bash && chown 0:0 suid-bash',
    check: refused(/changing ownership of 'suid-bash': Operation not permitted/),
  },
  {
    name: 'runs its setuid file',
    command: () => './suid-bash -p -c id',
    check: (result) => expect(result.text).not.toMatch(/uid=0|euid=0/),
  },
  {
    name: 'chmod and chown system files',
    command: () => 'chmod 4777 /usr/bin/env; chown user /etc/passwd; chmod 777 /',
    check: (result) => {
      expect(result.text).toMatch(/Read-only file system/);
      expect(result.text).toMatch(/Operation not permitted/);
    },
  },
  {
    name: 'mounts a tmpfs',
    command: () => 'mkdir -p mnt && mount -t tmpfs none mnt',
    check: refused(/must be superuser|Operation not permitted|permission denied/i),
  },
  {
    name: 'becomes root of a new user namespace with unshare',
    command: () => 'unshare -r id; unshare --user --mount --net id',
    check: (result) => {
      expect(result.text).toMatch(/unshare failed: Operation not permitted/);
      expect(result.text).not.toContain('uid=0');
    },
  },
  {
    name: 'nests namespaces through the raw unshare and clone system calls',
    command: () =>
      'python3 -c "import ctypes; libc = ctypes.CDLL(None, use_errno=True); ' +
      "print('unshare', libc.unshare(0x10000000), ctypes.get_errno()); " +
      "print('netns', libc.unshare(0x40000000), ctypes.get_errno())\"",
    check: (result) => {
      expect(result.text).toContain('unshare -1 1');
      expect(result.text).toContain('netns -1 1');
    },
  },
  {
    // Memory and processes are the control group's to limit, out of the sandbox's reach; these are per process.
    name: 'raises its limits with ulimit',
    command: () => 'ulimit -f unlimited; ulimit -t unlimited; ulimit -c unlimited',
    check: (result) => {
      expect(result.text.match(/cannot modify limit: Operation not permitted/g)).toHaveLength(3);
    },
  },
  {
    name: 'sudo and su',
    command: () => 'sudo -n id; su -c id root </dev/null',
    check: (result) => {
      expect(result.is_error).toBe(true);
      expect(result.text).not.toContain('uid=0');
    },
  },
  // The disk.
  {
    name: 'fills /tmp past its cap',
    command: () => 'for i in 1 2; do head -c 3M /dev/zero > /tmp/fill-$i; done && head -c 3M /dev/zero > /tmp/fill-3',
    check: (result) => {
      expect(result.is_error).toBe(true);
      expect(result.text).toContain('No space left on device');
      expect(result.text).toContain('/tmp holds at most 8 MB');
    },
  },
  {
    name: 'writes a single file over the file size limit',
    command: () => 'head -c 6M /dev/zero > big.bin',
    check: (result) => {
      expect(result.is_error).toBe(true);
      expect(result.text).toContain('writing a file larger than the limit of 4 MB');
    },
  },
  // The kernel and devices.
  {
    name: 'reads the kernel memory, log and /sys',
    command: () => 'head -c 16 /proc/kcore; cat /proc/kmsg; ls /sys; echo 3 > /proc/sys/vm/drop_caches',
    check: (result) => {
      expect(result.text).toMatch(/'\/proc\/kcore' for reading: No such file or directory/);
      expect(result.text).toMatch(/kmsg: (Operation not permitted|Permission denied)/);
      expect(result.text).toMatch(/'\/sys': No such file or directory/);
      expect(result.text).toMatch(/drop_caches: (Read-only file system|Permission denied)/);
    },
  },
  {
    name: 'opens raw devices',
    command: () => 'head -c 1 /dev/mem; head -c 1 /dev/vda; head -c 1 /dev/sda; ls /dev',
    check: (result) => {
      expect(result.text.match(/No such file or directory/g)).toHaveLength(3);
      expect(result.text).not.toMatch(/\b(mem|sda|vda|nvme\w*|kmsg)\b\n/);
    },
  },
  {
    name: 'pushes keystrokes into a terminal with TIOCSTI',
    // Not applicable: the shell has no terminal (bubblewrap's --new-session, stdin /dev/null).
    command: () =>
      'python3 -c "import fcntl, termios; fcntl.ioctl(0, termios.TIOCSTI, b\'x\')"; ' +
      "python3 -c \"open('/dev/tty', 'w')\"",
    check: (result) => {
      expect(result.text).toMatch(/Inappropriate ioctl for device/);
      expect(result.text).toMatch(/No such device or address/);
    },
  },
  {
    name: 'a command with a NUL character',
    command: () => 'echo before\0; cat /etc/shadow',
    check: (result) => expect(result).toEqual({ text: 'the command must not contain NUL characters', is_error: true }),
  },
];

const BYSTANDER_CALLS = 12;

function bashReply(id: string, input: { command: string; timeout_ms?: number }): Rule['reply'] {
  return { content: [{ type: 'tool_use', id, name: 'bash', input }] };
}

function scenario(): Scenario {
  const attacks: Rule[] = ATTEMPTS.map((attempt, index) => ({
    match: { system: 'ATTACKER' },
    times: 1,
    reply: bashReply(`toolu_attempt_${index}`, {
      command: attempt.command(host),
      ...(attempt.timeout_ms ? { timeout_ms: attempt.timeout_ms } : {}),
    }),
  }));
  // Spread out with delays so that the bystander's calls overlap the bombs at the start of the attack.
  const harmless: Rule[] = Array.from({ length: BYSTANDER_CALLS }, (_, index) => ({
    match: { system: 'BYSTANDER' },
    times: 1,
    delay_ms: 250,
    reply: bashReply(`toolu_bystander_${index}`, {
      command: `cd /workspace && echo "line ${index}" >> lines.txt && wc -l < lines.txt`,
    }),
  }));
  const done: Rule = { reply: { content: [{ type: 'text', text: 'Done.' }] } };
  return { rules: [...attacks, ...harmless, done] };
}

function resultsById(events: SessionEvent[]): Map<string, Result> {
  const results = new Map<string, Result>();
  for (const event of events)
    if (event.type === 'agent.tool_result')
      results.set(event.tool_use_id, {
        text: event.content.map((block) => block.text).join(''),
        is_error: event.is_error,
      });
  return results;
}

describe('escape and abuse attempts through bash', () => {
  let harness: SessionHarness;
  let pool: ShellPool;
  let listener: net.Server;
  let connections = 0;
  let attackerWorkspace: string;
  let attackerResults: Map<string, Result>;
  let bystanderResults: Map<string, Result>;

  beforeAll(async () => {
    host.marker = `lucid-escape-marker-${process.pid}-${Date.now()}`;
    process.env.LUCID_ESCAPE_MARKER = host.marker; // no secret-like name, so redaction would not hide a leak
    host.otherWorkspace = tempDir('lucid-other-workspace-');
    host.otherSecret = `the other session's secret ${host.marker}`;
    fs.writeFileSync(path.join(host.otherWorkspace, 'secret.txt'), host.otherSecret);
    listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    host.port = (listener.address() as net.AddressInfo).port;

    pool = await ShellPool.create(SETTINGS);
    expect(pool.availability).toEqual({ ok: true });
    harness = await startSessionHarness({ rules: [] }, { shellPool: pool });
    host.dataDir = harness.dataDir;
    harness.model.setScenario(scenario());

    const [attackerId, bystanderId] = await Promise.all([
      harness.lucid.startSession({ agent: attacker, message: 'Escape.' }),
      harness.lucid.startSession({ agent: bystander, message: 'Count.' }),
    ]);
    await Promise.all([harness.lucid.result(attackerId), harness.lucid.result(bystanderId)]);
    attackerWorkspace = workspaceOf(harness, attackerId);
    attackerResults = resultsById(await harness.store.readEvents(attackerId));
    bystanderResults = resultsById(await harness.store.readEvents(bystanderId));
  }, 110_000);

  afterAll(async () => {
    await harness?.close();
    await pool?.close();
    listener?.close();
    delete process.env.LUCID_ESCAPE_MARKER;
    if (host.otherWorkspace) fs.rmSync(host.otherWorkspace, { recursive: true, force: true });
  });

  it('made every attempt', () => {
    expect(ATTEMPTS.length).toBeGreaterThanOrEqual(30);
    expect([...attackerResults.keys()]).toEqual(ATTEMPTS.map((_, index) => `toolu_attempt_${index}`));
  });

  it.each(ATTEMPTS.map((attempt, index) => [attempt.name, index] as const))('%s', (_name, index) => {
    const result = attackerResults.get(`toolu_attempt_${index}`);
    expect(result).toBeDefined();
    ATTEMPTS[index].check(result!, host);
  });

  it('leaked neither the worker environment nor the other workspace into any output', () => {
    for (const result of attackerResults.values()) {
      expect(result.text).not.toContain(host.marker);
      expect(result.text).not.toContain(host.otherSecret);
    }
  });

  it('let no connection reach the loopback listener', () => {
    expect(connections).toBe(0);
  });

  it('left the other workspace and the host untouched', () => {
    expect(fs.readFileSync(path.join(host.otherWorkspace, 'secret.txt'), 'utf8')).toBe(host.otherSecret);
    expect(fs.existsSync('/usr/bin/planted')).toBe(false);
    expect(fs.existsSync(path.join(path.dirname(attackerWorkspace), 'escaped.txt'))).toBe(false);
  });

  it('left no setuid-root file in the workspace', () => {
    const stat = fs.statSync(path.join(attackerWorkspace, 'suid-bash'));
    expect(stat.uid).not.toBe(0);
    expect(stat.uid).toBeGreaterThanOrEqual(process.getuid?.() === 0 ? SETTINGS.uidBase : 1);
  });

  it('kept the oversized file within the file size limit', () => {
    expect(fs.statSync(path.join(attackerWorkspace, 'big.bin')).size).toBeLessThanOrEqual(SETTINGS.maxFileMb << 20);
  });

  it('left no background process running on the host', () => {
    const sleepers = fs
      .readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
          return argv[0] === 'sleep' && ['1000', '1001', '1002'].includes(argv[1]);
        } catch {
          return false; // exited meanwhile
        }
      });
    expect(sleepers).toEqual([]);
  });

  it('kept serving the second session meanwhile', () => {
    expect([...bystanderResults.values()]).toEqual(
      Array.from({ length: BYSTANDER_CALLS }, (_, index) => ({ text: `${index + 1}\n`, is_error: false })),
    );
  });
});
