/**
 * The workspace tools against a `bash` command that races them: the shell keeps swapping a workspace directory for a
 * symlink to a host directory outside the workspace while read_file, grep and write_file use paths through it, as
 * a model's parallel calls (or a sub-agent on the same workspace) can. The worker, root on CI, must never read,
 * list or write the host directory, nor make a directory in it. Before the tools checked what they opened (src/workspace/sandbox.ts), this read the
 * outside file within a few thousand calls and left files in the outside directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ShellPool } from '../../src/shell/shell-pool';
import { DEFAULT_SHELL_SETTINGS } from '../../src/shell/shell-settings';
import { runWorkspaceTool } from '../../src/workspace/tools';
import { tempDir } from '../helpers/temporal';

// The race runs at least RACE_MS and until some call has met the swap (a loaded machine may start it late).
const RACE_MS = 2500;
const MAX_RACE_MS = 30_000;
const OUTSIDE_SECRET = 'the host directory outside the workspace';

describe('workspace tools racing a symlink-swapping shell', () => {
  let pool: ShellPool;
  let workspace: string;
  let outside: string;

  beforeAll(async () => {
    pool = await ShellPool.create(DEFAULT_SHELL_SETTINGS);
    workspace = tempDir('lucid-race-workspace-');
    outside = tempDir('lucid-race-outside-');
    fs.mkdirSync(path.join(workspace, 'real'));
    fs.writeFileSync(path.join(workspace, 'real', 'notes.txt'), 'decoy\n');
    fs.writeFileSync(path.join(outside, 'notes.txt'), `${OUTSIDE_SECRET}\n`);
    fs.writeFileSync(path.join(outside, 'host-only.txt'), 'a name only the host directory has\n');
  });

  afterAll(async () => {
    await pool?.close();
    for (const dir of [workspace, outside]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('never reaches the directory the symlink points to', async () => {
    // The link's target means nothing inside the sandbox, but everything to the worker on the host.
    const swapper = pool.run({
      sessionId: 'racer',
      workspace,
      timeoutMs: MAX_RACE_MS + 5_000,
      // When write_file recreates real/ in a gap (it makes missing parents), the swapper puts its own back.
      command:
        `while :; do mv -T real real.d 2>/dev/null || continue; ln -s ${outside} real; rm real; ` +
        'mv -T real.d real 2>/dev/null || { rm -rf real; mv -T real.d real; }; done',
    });
    const outcomes: Array<{ is_error: boolean; content: string }> = [];
    const refused = (outcome: { is_error: boolean; content: string }) =>
      outcome.is_error && /outside the workspace|changed while|No such file/.test(outcome.content);
    const started = Date.now();
    const racing = () => {
      const elapsed = Date.now() - started;
      return elapsed < MAX_RACE_MS && (elapsed < RACE_MS || !outcomes.some(refused));
    };
    const call = (name: string, input: object) => runWorkspaceTool({ workspace, name, input });
    while (racing()) {
      const batch = await Promise.all([
        ...Array.from({ length: 8 }, () => call('read_file', { path: 'real/notes.txt' })),
        call('grep', { pattern: 'host directory', path: 'real' }),
        call('write_file', { path: 'real/planted.txt', content: 'planted' }),
        call('write_file', { path: 'real/new/deeper/planted.txt', content: 'planted' }),
        call('list_files', { pattern: 'real/**' }),
      ]);
      outcomes.push(...batch);
    }
    // The swapper ran for the whole race; stop it.
    expect(pool.holdsShell('racer')).toBe(true);
    await pool.kill('racer');
    await swapper;

    for (const outcome of outcomes) {
      expect(outcome.content).not.toContain(OUTSIDE_SECRET);
      expect(outcome.content).not.toContain('host-only.txt');
    }
    // Nothing was written there, not even an empty directory for a missing parent.
    expect(fs.readdirSync(outside).sort()).toEqual(['host-only.txt', 'notes.txt']);
    expect(fs.readFileSync(path.join(outside, 'notes.txt'), 'utf8')).toBe(`${OUTSIDE_SECRET}\n`);
    // The race was real: some calls found the symlink in place, or the directory moved away, and were refused.
    expect(outcomes.some(refused)).toBe(true);
  });
});
