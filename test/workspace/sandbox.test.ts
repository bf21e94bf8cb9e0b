/**
 * Sandbox escapes, attempted for real against a temp directory: every refused case must also leave a
 * sibling "outside" directory exactly as it was (same entries, same contents, no new files).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  makeDirectoriesChecked,
  MAX_PATH_BYTES,
  normalizeRelativePath,
  readDirectoryChecked,
  resolveInWorkspace,
  WorkspaceError,
  type WorkspaceErrorCode,
} from '../../src/workspace/sandbox';
import { MAX_FILE_BYTES, runWorkspaceTool, type ToolOutcome } from '../../src/workspace/tools';

interface Fixture {
  /** Parent temp dir holding `workspace/` and `outside/`. */
  base: string;
  workspace: string;
  outside: string;
  run(name: string, input: unknown): Promise<ToolOutcome>;
}

const SECRET = 'top secret, must never change\n';

let fx: Fixture;
let outsideBefore: Snapshot;
let baseBefore: string[];

beforeEach(async () => {
  const base = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lucid-sandbox-'));
  const workspace = path.join(base, 'workspace');
  const outside = path.join(base, 'outside');
  await fs.promises.mkdir(workspace);
  await fs.promises.mkdir(path.join(outside, 'dir'), { recursive: true });
  await fs.promises.writeFile(path.join(outside, 'secret.txt'), SECRET);
  await fs.promises.writeFile(path.join(outside, 'dir', 'inner.txt'), 'inner\n');
  await fs.promises.writeFile(path.join(workspace, 'hello.txt'), 'hello\n');
  fx = { base, workspace, outside, run: (name, input) => runWorkspaceTool({ workspace, name, input }) };
  outsideBefore = await snapshot(outside);
  baseBefore = await fs.promises.readdir(base);
});

afterEach(async () => {
  // The point of every test here: nothing outside the workspace was created, changed or removed.
  expect(await snapshot(fx.outside)).toEqual(outsideBefore);
  expect(await fs.promises.readdir(fx.base)).toEqual(baseBefore);
  await fs.promises.rm(fx.base, { recursive: true, force: true });
});

type Snapshot = Record<string, string>;

/** Every entry under `dir`: file contents, link targets, directories, without following links. */
async function snapshot(dir: string, prefix = ''): Promise<Snapshot> {
  const result: Snapshot = {};
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
    const absolute = path.join(dir, entry.name);
    const key = prefix + entry.name;
    if (entry.isSymbolicLink()) result[key] = `link -> ${await fs.promises.readlink(absolute)}`;
    else if (entry.isDirectory()) Object.assign(result, { [key]: 'dir' }, await snapshot(absolute, `${key}/`));
    else result[key] = `file: ${await fs.promises.readFile(absolute, 'utf8')}`;
  }
  return result;
}

const link = (target: string, name: string) => fs.promises.symlink(target, path.join(fx.workspace, name));

function expectRefused(outcome: ToolOutcome, message: RegExp): void {
  expect(outcome.is_error).toBe(true);
  expect(outcome.content).toMatch(message);
}

async function expectCode(promise: Promise<unknown>, code: WorkspaceErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WorkspaceError);
  expect((error as WorkspaceError).code).toBe(code);
}

const OUTSIDE = /outside the workspace|above the workspace root|Absolute paths are not allowed|inside the workspace/;

describe('refused escapes (nothing outside is touched)', () => {
  test('1. "../x" read and write', async () => {
    expectRefused(await fx.run('read_file', { path: '../outside/secret.txt' }), OUTSIDE);
    expectRefused(await fx.run('write_file', { path: '../outside/secret.txt', content: 'pwned' }), OUTSIDE);
    expectRefused(await fx.run('write_file', { path: '../new.txt', content: 'pwned' }), OUTSIDE);
  });

  test('2. "a/../../x" escapes after normalization', async () => {
    expectRefused(await fx.run('write_file', { path: 'a/../../outside/new.txt', content: 'pwned' }), OUTSIDE);
    expectRefused(await fx.run('read_file', { path: './hello.txt/../../outside/secret.txt' }), OUTSIDE);
    expect(fs.existsSync(path.join(fx.workspace, 'a'))).toBe(false);
  });

  test('3. absolute /etc/passwd', async () => {
    expectRefused(await fx.run('read_file', { path: '/etc/passwd' }), /Absolute paths are not allowed/);
  });

  test('4. absolute path to the sibling directory, and even into the workspace itself', async () => {
    expectRefused(await fx.run('write_file', { path: path.join(fx.outside, 'secret.txt'), content: 'pwned' }), OUTSIDE);
    expectRefused(await fx.run('write_file', { path: path.join(fx.outside, 'new.txt'), content: 'pwned' }), OUTSIDE);
    expectRefused(await fx.run('read_file', { path: path.join(fx.workspace, 'hello.txt') }), OUTSIDE);
  });

  test('5. NUL byte in the path', async () => {
    expectRefused(await fx.run('write_file', { path: 'a\0../../outside/x', content: 'pwned' }), /NUL byte/);
    expectRefused(await fx.run('read_file', { path: 'hello.txt\0' }), /NUL byte/);
  });

  test('6. symlinked file pointing outside: read and write through it', async () => {
    await link(path.join(fx.outside, 'secret.txt'), 'leak.txt');
    expectRefused(await fx.run('read_file', { path: 'leak.txt' }), /symbolic link to a location outside/);
    expectRefused(await fx.run('write_file', { path: 'leak.txt', content: 'pwned' }), /outside the workspace/);
    expect(fs.readlinkSync(path.join(fx.workspace, 'leak.txt'))).toBe(path.join(fx.outside, 'secret.txt'));
  });

  test('7. symlinked directory pointing outside: write link/newfile, read link/file', async () => {
    await link(fx.outside, 'outdir');
    expectRefused(
      await fx.run('write_file', { path: 'outdir/newfile.txt', content: 'pwned' }),
      /outside the workspace/,
    );
    expectRefused(
      await fx.run('write_file', { path: 'outdir/deep/er/new.txt', content: 'pwned' }),
      /outside the workspace/,
    );
    expectRefused(await fx.run('read_file', { path: 'outdir/dir/inner.txt' }), /outside the workspace/);
  });

  test('8. relative symlink climbing out ("rel -> ../outside")', async () => {
    await link('../outside', 'rel');
    expectRefused(await fx.run('write_file', { path: 'rel/secret.txt', content: 'pwned' }), /outside the workspace/);
  });

  test('9. symlink chain ending outside', async () => {
    await link(path.join(fx.outside, 'secret.txt'), 'chain2');
    await link('chain2', 'chain1');
    expectRefused(await fx.run('read_file', { path: 'chain1' }), /outside the workspace/);
    expectRefused(await fx.run('write_file', { path: 'chain1', content: 'pwned' }), /outside the workspace/);
    expectRefused(
      await fx.run('edit_file', { path: 'chain1', old_string: 'top', new_string: 'pwned' }),
      /outside the workspace/,
    );
  });

  test('10. Windows drive path C:\\x and C:/x', async () => {
    expectRefused(await fx.run('write_file', { path: 'C:\\x', content: 'pwned' }), /backslash/);
    expectRefused(await fx.run('write_file', { path: 'C:/x', content: 'pwned' }), /drive letter/);
    expect(await fs.promises.readdir(fx.workspace)).toEqual(['hello.txt']);
  });

  test('11. UNC path \\\\server\\share', async () => {
    expectRefused(await fx.run('write_file', { path: '\\\\server\\share\\x', content: 'pwned' }), /backslash/);
    expectRefused(await fx.run('read_file', { path: '..\\outside\\secret.txt' }), /backslash/);
  });

  test('12. overlong path and overlong segment', async () => {
    const longPath = Array.from({ length: 30 }, () => 'd'.repeat(200)).join('/');
    expect(Buffer.byteLength(longPath)).toBeGreaterThan(MAX_PATH_BYTES);
    expectRefused(await fx.run('write_file', { path: longPath, content: 'x' }), /longer than 4096 bytes/);
    expectRefused(
      await fx.run('write_file', { path: `${'s'.repeat(300)}.txt`, content: 'x' }),
      /longer than 255 bytes/,
    );
    expect(await fs.promises.readdir(fx.workspace)).toEqual(['hello.txt']);
  });

  test('13. empty path', async () => {
    expectRefused(await fx.run('write_file', { path: '', content: 'x' }), /path is empty/);
    expectRefused(await fx.run('read_file', { path: '' }), /path is empty/);
  });

  test('14. writing more than the size limit creates nothing', async () => {
    const outcome = await fx.run('write_file', { path: 'big.txt', content: 'x'.repeat(MAX_FILE_BYTES + 1) });
    expectRefused(outcome, /over the 10 MB limit; nothing was written/);
    expect(await fs.promises.readdir(fx.workspace)).toEqual(['hello.txt']);
  });

  test('15. reading a file over the size limit', async () => {
    const big = path.join(fx.workspace, 'big.log');
    await fs.promises.writeFile(big, '');
    await fs.promises.truncate(big, MAX_FILE_BYTES + 1); // sparse: no 10 MB actually written
    expectRefused(await fx.run('read_file', { path: 'big.log' }), /over the 10 MB limit/);
  });

  test('16. edit_file through a symlink to outside', async () => {
    await link(path.join(fx.outside, 'secret.txt'), 'leak.txt');
    expectRefused(
      await fx.run('edit_file', { path: 'leak.txt', old_string: 'top secret', new_string: 'pwned' }),
      /outside the workspace/,
    );
  });

  test('17. list_files with "../*", "../outside/*" and an absolute pattern', async () => {
    expectRefused(await fx.run('list_files', { pattern: '../*' }), /".." is not allowed/);
    expectRefused(await fx.run('list_files', { pattern: '../outside/**' }), /".." is not allowed/);
    expectRefused(await fx.run('list_files', { pattern: '**/../../*' }), /".." is not allowed/);
    expectRefused(await fx.run('list_files', { pattern: `${fx.outside}/*` }), /relative to the workspace root/);
  });

  test('18. grep with path ".." or through a symlinked directory', async () => {
    expectRefused(await fx.run('grep', { pattern: 'secret', path: '..' }), OUTSIDE);
    expectRefused(await fx.run('grep', { pattern: 'secret', path: '../outside' }), OUTSIDE);
    await link(fx.outside, 'outdir');
    expectRefused(await fx.run('grep', { pattern: 'secret', path: 'outdir' }), /outside the workspace/);
  });

  test('19. dangling symlink pointing outside: writing through it', async () => {
    await link(path.join(fx.outside, 'not-yet.txt'), 'dangling.txt');
    expectRefused(await fx.run('write_file', { path: 'dangling.txt', content: 'pwned' }), /outside the workspace/);
    await link(path.join(fx.outside, 'newdir'), 'dangling-dir');
    expectRefused(
      await fx.run('write_file', { path: 'dangling-dir/x.txt', content: 'pwned' }),
      /outside the workspace/,
    );
  });

  test('20. whole-workspace list_files and grep never follow links out', async () => {
    await link(fx.outside, 'outdir');
    await link(path.join(fx.outside, 'secret.txt'), 'leak.txt');
    const listing = await fx.run('list_files', { pattern: '**/*' });
    expect(listing).toEqual({ content: 'hello.txt\nleak.txt\noutdir', is_error: false });
    const grep = await fx.run('grep', { pattern: 'secret|inner' });
    expect(grep).toEqual({ content: 'No matches for /secret|inner/ in the workspace.', is_error: false });
    expectRefused(await fx.run('list_files', { pattern: 'outdir/**' }), /outside the workspace/);
  });

  test('21. symlink loops are an error, not a hang or crash', async () => {
    await link('loop-b', 'loop-a');
    await link('loop-a', 'loop-b');
    expectRefused(await fx.run('read_file', { path: 'loop-a' }), /too many levels of symbolic links/);
    expectRefused(await fx.run('write_file', { path: 'loop-a', content: 'x' }), /too many levels of symbolic links/);
  });

  test('22. ".." through a symlinked directory is judged lexically, never by the kernel', async () => {
    // outdir/.. would be `base/` for the kernel; lexically it is the workspace root, which is what we use.
    await link(path.join(fx.outside, 'dir'), 'outdir');
    const outcome = await fx.run('write_file', { path: 'outdir/../created.txt', content: 'ok' });
    expect(outcome.is_error).toBe(false);
    expect(await fs.promises.readFile(path.join(fx.workspace, 'created.txt'), 'utf8')).toBe('ok');
  });
});

describe('allowed paths', () => {
  test('"~" is a literal directory name inside the workspace, not the home directory', async () => {
    expect(await fx.run('write_file', { path: '~/notes.txt', content: 'mine' })).toEqual({
      content: 'Created ~/notes.txt (4 bytes).',
      is_error: false,
    });
    expect(await fs.promises.readFile(path.join(fx.workspace, '~', 'notes.txt'), 'utf8')).toBe('mine');
  });

  test('symlinks that stay inside the workspace are followed; writes update the target and keep the link', async () => {
    await fs.promises.mkdir(path.join(fx.workspace, 'real'));
    await fs.promises.writeFile(path.join(fx.workspace, 'real', 'a.txt'), 'before');
    await link('real', 'alias');
    await link('real/a.txt', 'alias.txt');
    expect(await fx.run('read_file', { path: 'alias/a.txt' })).toEqual({ content: 'before', is_error: false });
    expect((await fx.run('write_file', { path: 'alias.txt', content: 'after' })).is_error).toBe(false);
    expect(fs.lstatSync(path.join(fx.workspace, 'alias.txt')).isSymbolicLink()).toBe(true);
    expect(await fs.promises.readFile(path.join(fx.workspace, 'real', 'a.txt'), 'utf8')).toBe('after');
  });

  test('a workspace reached through a symlink works, and escapes are still refused', async () => {
    const viaLink = path.join(fx.base, 'workspace-link');
    await fs.promises.symlink(fx.workspace, viaLink);
    baseBefore = await fs.promises.readdir(fx.base);
    const run = (name: string, input: unknown) => runWorkspaceTool({ workspace: viaLink, name, input });
    expect(await run('read_file', { path: 'hello.txt' })).toEqual({ content: 'hello\n', is_error: false });
    expectRefused(await run('write_file', { path: '../outside/secret.txt', content: 'pwned' }), OUTSIDE);
    const resolved = await resolveInWorkspace(viaLink, 'hello.txt');
    expect(resolved.root).toBe(fs.realpathSync(fx.workspace));
  });
});

describe('resolveInWorkspace', () => {
  test('normalizes and reports paths relative to the real workspace root', async () => {
    const root = fs.realpathSync(fx.workspace);
    expect(await resolveInWorkspace(fx.workspace, './a//b/../c.txt', { forWrite: true })).toEqual({
      root,
      absolute: path.join(root, 'a', 'c.txt'),
      relative: 'a/c.txt',
      exists: false,
    });
    expect((await resolveInWorkspace(fx.workspace, '.')).relative).toBe('.');
    expect((await resolveInWorkspace(fx.workspace, 'hello.txt')).exists).toBe(true);
  });

  test('error codes', async () => {
    await expectCode(resolveInWorkspace(fx.workspace, 'missing.txt'), 'not_found');
    await expectCode(resolveInWorkspace(fx.workspace, '../x', { forWrite: true }), 'path_outside_workspace');
    await expectCode(resolveInWorkspace(fx.workspace, '/etc/passwd'), 'path_outside_workspace');
    await expectCode(resolveInWorkspace(fx.workspace, ''), 'invalid_input');
    await expectCode(resolveInWorkspace(fx.workspace, 'a\0b'), 'invalid_input');
    await link(fx.outside, 'outdir');
    await expectCode(resolveInWorkspace(fx.workspace, 'outdir/new', { forWrite: true }), 'path_outside_workspace');
  });

  test('a missing workspace is a setup failure (plain Error), not a model error', async () => {
    const error = await resolveInWorkspace(path.join(fx.base, 'nope'), 'a.txt').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(WorkspaceError);
  });

  test('normalizeRelativePath is purely lexical', () => {
    expect(normalizeRelativePath('a/./b/')).toBe('a/b');
    expect(normalizeRelativePath('a/..')).toBe('');
    expect(() => normalizeRelativePath('a/../..')).toThrow(WorkspaceError);
  });
});

describe('directories used after they were checked (a shell may swap one for a symlink in between)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-checked-root-'));
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-checked-outside-'));
  fs.writeFileSync(path.join(outside, 'host-only.txt'), 'outside');
  fs.mkdirSync(path.join(root, 'inside'));
  fs.writeFileSync(path.join(root, 'inside', 'mine.txt'), 'inside');
  fs.symlinkSync(outside, path.join(root, 'swapped'));

  it('lists a directory that is still the one checked', async () => {
    const entries = await readDirectoryChecked(path.join(root, 'inside'), 'inside');
    expect(entries.map((entry) => entry.name)).toEqual(['mine.txt']);
  });

  it('refuses to list one that has become a symlink, instead of listing where it points', async () => {
    await expect(readDirectoryChecked(path.join(root, 'swapped'), 'swapped')).rejects.toThrow();
  });

  it('makes missing parents inside the workspace, one inside the other', async () => {
    await makeDirectoriesChecked(root, 'inside/a/b', 'inside/a/b/file.txt');
    expect(fs.statSync(path.join(root, 'inside', 'a', 'b')).isDirectory()).toBe(true);
  });

  it('refuses a parent that has become a symlink, and makes nothing where it points', async () => {
    await expect(makeDirectoriesChecked(root, 'swapped/new/deeper', 'swapped/new/deeper/f.txt')).rejects.toMatchObject({
      code: 'path_outside_workspace',
    });
    expect(fs.readdirSync(outside)).toEqual(['host-only.txt']);
  });
});
