/**
 * One `bash` call against the real sandbox and a real journal: at most once under retries, input checked before
 * anything runs, and the shell's state kept or reset as the model asked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { INTERRUPTED_BY_WORKER_RESTART, runBashCall } from '../../src/shell/bash-call';
import { ShellPool } from '../../src/shell/shell-pool';
import { DEFAULT_SHELL_SETTINGS } from '../../src/shell/shell-settings';
import { openStorage } from '../../src/storage/open-storage';
import type { ToolJournal } from '../../src/storage/tool-journal';
import { tempDir } from '../helpers/temporal';

const SESSION = 'sesn_bash_call';

describe('runBashCall', () => {
  let pool: ShellPool;
  let journal: ToolJournal;
  let workspace: string;
  let calls = 0;

  beforeAll(async () => {
    pool = await ShellPool.create({ ...DEFAULT_SHELL_SETTINGS, defaultTimeoutMs: 5_000, maxTimeoutMs: 10_000 });
  });
  afterAll(() => pool.close());
  beforeEach(() => {
    journal = openStorage({ dataDir: tempDir('lucid-bash-journal-') }).toolJournal(SESSION);
    workspace = tempDir('lucid-bash-ws-');
  });

  const call = (input: unknown, callId = `toolu_${++calls}`) =>
    runBashCall({
      pool,
      journal,
      sessionId: SESSION,
      workspace,
      callId,
      input,
      redact: (text) => text.replaceAll('s3cr3t', '[redacted]'),
    });

  it('keeps the working directory and exported variables between calls, until restarted', async () => {
    await call({ command: 'mkdir -p sub && cd sub && export COLOUR=blue' });
    expect(await call({ command: 'echo "$COLOUR in $(pwd)"' })).toEqual({
      is_error: false,
      content: 'blue in /workspace/sub\n',
    });
    expect(await call({ restart: true })).toMatchObject({
      is_error: false,
      content: expect.stringContaining('restarted'),
    });
    expect(await call({ command: 'echo "[$COLOUR] in $(pwd)"' })).toEqual({
      is_error: false,
      content: '[] in /workspace\n',
    });
    expect(await call({ restart: true, command: 'pwd' })).toEqual({ is_error: false, content: '/workspace\n' });
  });

  it("runs with the session's allowlist when the call names one: there a proxy, without one no network", async () => {
    const withHosts = await runBashCall({
      pool,
      journal,
      sessionId: 'sesn_bash_env',
      workspace,
      callId: `toolu_${++calls}`,
      input: { command: 'echo "$HTTPS_PROXY"' },
      allowedHosts: ['example.org'],
      redact: (text) => text,
    });
    expect(withHosts).toEqual({ is_error: false, content: 'http://127.0.0.1:3128\n' });
    expect(await call({ command: 'echo "[$HTTPS_PROXY]"' })).toEqual({ is_error: false, content: '[]\n' });
  });

  it('interleaves stderr with stdout and reports a failing exit code as an error', async () => {
    expect(
      await call({ command: 'echo out; echo err >&2; echo out again; exit_code() { return 7; }; exit_code' }),
    ).toEqual({
      is_error: true,
      content: 'out\nerr\nout again\n\n\nExit code 7.',
    });
  });

  it("returns a finished call's journaled outcome again without running it", async () => {
    const first = await call({ command: 'echo line >> lines.txt; cat lines.txt' }, 'toolu_once');
    const again = await call({ command: 'echo line >> lines.txt; cat lines.txt' }, 'toolu_once');
    expect(again).toEqual(first);
    expect(fs.readFileSync(path.join(workspace, 'lines.txt'), 'utf8')).toBe('line\n');
  });

  it('does not run a call that started and never reported back, and says its effects may be partial', async () => {
    await call({ command: 'export LEFT_OVER=1' });
    await journal.write({ version: 2, state: 'started', callId: 'toolu_cut', name: 'bash' });
    const outcome = await call({ command: 'echo ran >> ran.txt' }, 'toolu_cut');
    expect(outcome).toEqual({ is_error: true, content: INTERRUPTED_BY_WORKER_RESTART });
    expect(fs.existsSync(path.join(workspace, 'ran.txt'))).toBe(false);
    expect(await journal.read('toolu_cut')).toMatchObject({ state: 'done', outcome });
    // The shell that may have been running it was restarted.
    expect(await call({ command: 'echo "[$LEFT_OVER]"' })).toMatchObject({ content: '[]\n' });
  });

  it('kills a command past its timeout and starts the next call in a fresh shell', async () => {
    await call({ command: 'cd /tmp' });
    const outcome = await call({ command: 'sleep 30', timeout_ms: 300 });
    expect(outcome.is_error).toBe(true);
    expect(outcome.content).toContain('The command was killed: it ran past its timeout of 300 ms.');
    expect(await call({ command: 'pwd' })).toEqual({ is_error: false, content: '/workspace\n' });
  });

  it('redacts secrets from the outcome it returns and journals', async () => {
    const outcome = await call({ command: 'echo token=s3cr3t' }, 'toolu_secret');
    expect(outcome.content).toBe('token=[redacted]\n');
    expect(JSON.stringify(await journal.read('toolu_secret'))).not.toContain('s3cr3t');
  });

  it.each([
    [{}, 'invalid bash input: give a command, or restart: true'],
    [{ command: 42 }, 'invalid bash input'],
    [{ command: 'ls', timeout_ms: -1 }, 'invalid bash input'],
    [{ command: 'echo \0' }, 'must not contain NUL'],
    [{ command: 'ls', timeout_ms: 60_000 }, 'timeout_ms may be at most 10000 on this worker (got 60000)'],
  ])('refuses %p before running anything', async (input, message) => {
    const outcome = await call(input);
    expect(outcome).toEqual({ is_error: true, content: expect.stringContaining(message) });
  });

  it('is refused, never run unsandboxed, on a worker whose sandbox is off', async () => {
    const off = await ShellPool.create({ ...DEFAULT_SHELL_SETTINGS, enabled: false });
    try {
      const outcome = await runBashCall({
        pool: off,
        journal,
        sessionId: SESSION,
        workspace,
        callId: 'toolu_off',
        input: { command: 'touch ran.txt' },
        redact: (text) => text,
      });
      expect(outcome).toEqual({
        is_error: true,
        content: 'bash is not available on this worker: LUCID_SANDBOX is "off"',
      });
      expect(fs.existsSync(path.join(workspace, 'ran.txt'))).toBe(false);
    } finally {
      await off.close();
    }
  });
});
