/** The worker's shells: one per session, calls of a session in order, idle shells stopped. */
import { ShellPool } from '../../src/shell/shell-pool';
import { DEFAULT_SHELL_SETTINGS } from '../../src/shell/shell-settings';
import { tempDir } from '../helpers/temporal';
import { waitFor } from '../helpers/wait-for';

describe('ShellPool', () => {
  let pool: ShellPool;
  beforeAll(async () => {
    pool = await ShellPool.create({ ...DEFAULT_SHELL_SETTINGS, idleSeconds: 1 });
  });
  afterAll(() => pool.close());

  const run = (sessionId: string, workspace: string, command: string) =>
    pool.run({ sessionId, workspace, command, timeoutMs: 10_000 });

  it('runs the calls of one session one at a time, in the order they arrived', async () => {
    const workspace = tempDir('lucid-pool-order-');
    const calls = [
      run('sesn_order', workspace, 'sleep 0.3; echo first >> order.txt'),
      run('sesn_order', workspace, 'echo second >> order.txt'),
      run('sesn_order', workspace, 'cat order.txt'),
    ];
    const results = await Promise.all(calls);
    expect(results[2].output).toBe('first\nsecond\n');
  });

  it('gives each session a shell of its own', async () => {
    const workspace = tempDir('lucid-pool-own-');
    await run('sesn_a', workspace, 'export WHO=a');
    await run('sesn_b', workspace, 'export WHO=b');
    expect((await run('sesn_a', workspace, 'echo $WHO')).output).toBe('a\n');
    expect((await run('sesn_b', workspace, 'echo $WHO')).output).toBe('b\n');
  });

  it('stops a shell left idle, and the next call starts a fresh one', async () => {
    const workspace = tempDir('lucid-pool-idle-');
    await run('sesn_idle', workspace, 'export KEPT=yes');
    expect(pool.size).toBeGreaterThan(0);
    await waitFor(() => pool.size === 0, 'the idle shells to be stopped');
    const result = await run('sesn_idle', workspace, 'echo "[$KEPT]"');
    expect(result).toMatchObject({ output: '[]\n', freshShell: true });
  });

  it('keeps at most LUCID_SANDBOX_MAX_SHELLS, stopping the least recently used', async () => {
    const small = await ShellPool.create({ ...DEFAULT_SHELL_SETTINGS, maxShells: 2 });
    try {
      const workspace = tempDir('lucid-pool-cap-');
      const runIn = (sessionId: string, command: string) =>
        small.run({ sessionId, workspace, command, timeoutMs: 10_000 });
      await runIn('sesn_oldest', 'export MARK=oldest');
      await runIn('sesn_middle', 'export MARK=middle');
      await runIn('sesn_newest', 'export MARK=newest');
      await waitFor(() => small.size === 2, 'the oldest shell to be stopped');
      expect((await runIn('sesn_middle', 'echo $MARK')).output).toBe('middle\n');
      expect(await runIn('sesn_oldest', 'echo "[$MARK]"')).toMatchObject({ output: '[]\n', freshShell: true });
    } finally {
      await small.close();
    }
  });
});
