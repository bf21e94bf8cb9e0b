/** The workspace tools against a real temp directory. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  MAX_GREP_LINE_CHARS,
  MAX_GREP_MATCHES,
  MAX_LIST_RESULTS,
  MAX_OUTPUT_CHARS,
  runWorkspaceTool,
  TOOL_NAMES,
  toolDefinitions,
  truncateOutput,
  type ToolOutcome,
} from '../../src/workspace/tools';

let workspace: string;

beforeEach(async () => {
  workspace = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lucid-tools-'));
});

afterEach(async () => {
  await fs.promises.rm(workspace, { recursive: true, force: true });
});

const run = (name: string, input: unknown) => runWorkspaceTool({ workspace, name, input });
const ok = (content: string): ToolOutcome => ({ content, is_error: false });
const file = (relative: string) => path.join(workspace, relative);
const read = (relative: string) => fs.readFileSync(file(relative), 'utf8');

function put(relative: string, content: string | Buffer): void {
  fs.mkdirSync(path.dirname(file(relative)), { recursive: true });
  fs.writeFileSync(file(relative), content);
}

/** Every path under the workspace, for spotting leftover temp files. */
function allEntries(dir = workspace): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

function expectError(outcome: ToolOutcome, message: RegExp): void {
  expect(outcome.is_error).toBe(true);
  expect(outcome.content).toMatch(message);
}

describe('toolDefinitions', () => {
  test('one plain JSON-schema definition per tool, described, without $schema', () => {
    const definitions = toolDefinitions(TOOL_NAMES);
    expect(definitions.map((definition) => definition.name)).toEqual([...TOOL_NAMES]);
    for (const definition of definitions) {
      expect(definition.description.length).toBeGreaterThan(40);
      expect(definition.input_schema.type).toBe('object');
      expect(definition.input_schema).not.toHaveProperty('$schema');
      expect(Array.isArray(definition.input_schema.required)).toBe(true);
      for (const property of Object.values(definition.input_schema.properties)) {
        expect(property).toEqual(
          expect.objectContaining({ type: expect.any(String), description: expect.any(String) }),
        );
      }
      expect(JSON.parse(JSON.stringify(definition))).toEqual(definition);
    }
  });

  test('required fields match the tools', () => {
    const required = Object.fromEntries(toolDefinitions(TOOL_NAMES).map((d) => [d.name, d.input_schema.required]));
    expect(required).toEqual({
      read_file: ['path'],
      write_file: ['path', 'content'],
      edit_file: ['path', 'old_string', 'new_string'],
      list_files: ['pattern'],
      grep: ['pattern'],
      bash: [],
      read: ['file_path'],
      write: ['file_path', 'content'],
      edit: ['file_path', 'old_string', 'new_string'],
      glob: ['pattern'],
      web_fetch: ['url'],
    });
  });

  test('keeps the requested order and subset; unknown names throw', () => {
    expect(toolDefinitions(['grep', 'read_file']).map((d) => d.name)).toEqual(['grep', 'read_file']);
    expect(toolDefinitions([])).toEqual([]);
    expect(() => toolDefinitions(['read_file', 'rm_rf'])).toThrow(/unknown workspace tool "rm_rf"/);
  });

  test('callers may mutate a definition without affecting the next one', () => {
    const [first] = toolDefinitions(['read_file']);
    first.input_schema.required.push('oops');
    expect(toolDefinitions(['read_file'])[0].input_schema.required).toEqual(['path']);
  });
});

describe('malformed calls are tool errors, never exceptions', () => {
  test.each([
    ['write_file', { path: 'a.txt' }, /^Invalid input for write_file: content: expected string, received undefined$/],
    ['write_file', { path: 'a.txt', content: 42 }, /content: expected string, received number/],
    ['read_file', {}, /^Invalid input for read_file: path: expected string/],
    ['edit_file', { path: 'a.txt' }, /old_string: expected string.*; new_string: expected string/],
    ['grep', { pattern: 'x', path: 7 }, /path: expected string, received number/],
    ['list_files', null, /Invalid input for list_files: input: expected object, received null/],
    ['read_file', 'a.txt', /input: expected object, received string/],
    ['read_file', ['a.txt'], /input: expected object, received array/],
    ['delete_everything', { path: '.' }, /^Unknown tool "delete_everything"\. Available tools: read_file, write_file/],
  ])('%s %j', async (name, input, message) => {
    expectError(await run(name, input), message);
    expect(allEntries()).toEqual([]);
  });

  test('unknown extra keys are ignored', async () => {
    expect(await run('write_file', { path: 'a.txt', content: 'x', mode: 'append' })).toEqual(
      ok('Created a.txt (1 byte).'),
    );
  });

  test('genuine setup failures do throw: the workspace is missing', async () => {
    await expect(
      runWorkspaceTool({ workspace: path.join(workspace, 'gone'), name: 'read_file', input: { path: 'a' } }),
    ).rejects.toThrow(/workspace directory .* cannot be resolved/);
  });

  test('cancellation throws', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      runWorkspaceTool({ workspace, name: 'grep', input: { pattern: 'x' }, signal: controller.signal }),
    ).rejects.toThrow();
  });
});

describe('read_file', () => {
  test('returns the text exactly, including a BOM', async () => {
    put('src/a.ts', '\uFEFFexport const a = 1;\r\n');
    expect(await run('read_file', { path: 'src/a.ts' })).toEqual(ok('\uFEFFexport const a = 1;\r\n'));
  });

  test('says so for an empty file', async () => {
    put('empty.txt', '');
    expect(await run('read_file', { path: 'empty.txt' })).toEqual(ok('(empty.txt is empty)'));
  });

  test('missing file, directory, binary, invalid UTF-8', async () => {
    put('dir/x.txt', 'x');
    put('image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    put('latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    expectError(await run('read_file', { path: 'nope.txt' }), /No such file or directory: "nope.txt"/);
    expectError(await run('read_file', { path: 'dir' }), /dir is a directory, not a file\. Use list_files/);
    expectError(await run('read_file', { path: 'image.png' }), /image\.png is a binary file/);
    expectError(await run('read_file', { path: 'latin1.txt' }), /not valid UTF-8/);
    expectError(await run('read_file', { path: 'dir/x.txt/y' }), /No such file or directory/);
  });

  test('a FIFO is refused instead of blocking', async () => {
    execFileSync('mkfifo', [file('pipe')]);
    expectError(await run('read_file', { path: 'pipe' }), /not a regular file/);
  });

  test('output over the cap is truncated with a notice', async () => {
    put('long.txt', 'a'.repeat(40_000));
    const outcome = await run('read_file', { path: 'long.txt' });
    expect(outcome.is_error).toBe(false);
    expect(outcome.content).toBe(
      `${'a'.repeat(MAX_OUTPUT_CHARS)}\n[output truncated: showed ${MAX_OUTPUT_CHARS} of 40000 characters]`,
    );
  });
});

describe('truncateOutput', () => {
  test('leaves short text alone and never splits a surrogate pair', () => {
    expect(truncateOutput('short', 10)).toBe('short');
    expect(truncateOutput('ab😀cd', 3)).toBe('ab\n[output truncated: showed 2 of 6 characters]');
  });
});

describe('write_file', () => {
  test('creates parent directories and reports created / overwrote', async () => {
    expect(await run('write_file', { path: 'a/b/c.txt', content: 'héllo' })).toEqual(
      ok('Created a/b/c.txt (6 bytes).'),
    );
    expect(read('a/b/c.txt')).toBe('héllo');
    expect(await run('write_file', { path: 'a/b/c.txt', content: '' })).toEqual(ok('Overwrote a/b/c.txt (0 bytes).'));
    expect(read('a/b/c.txt')).toBe('');
    expect(allEntries()).toEqual(['a', 'a/b', 'a/b/c.txt']);
  });

  test('parallel writes to distinct files all land, with no temp files left behind', async () => {
    const writes = Array.from({ length: 25 }, (_, i) =>
      run('write_file', { path: `out/deep/file-${i}.txt`, content: `content ${i}\n`.repeat(1000) }),
    );
    const outcomes = await Promise.all(writes);
    expect(outcomes.every((outcome) => !outcome.is_error)).toBe(true);
    for (let i = 0; i < 25; i++) expect(read(`out/deep/file-${i}.txt`)).toBe(`content ${i}\n`.repeat(1000));
    expect(allEntries().filter((entry) => entry.includes('.lucid-tmp-'))).toEqual([]);
    expect(fs.readdirSync(file('out/deep'))).toHaveLength(25);
  });

  test('a directory in the way, a file in the way, the workspace root', async () => {
    put('dir/x.txt', 'x');
    put('plain.txt', 'p');
    expectError(await run('write_file', { path: 'dir', content: 'x' }), /dir is a directory, not a file/);
    expectError(
      await run('write_file', { path: 'plain.txt/child.txt', content: 'x' }),
      /"plain.txt" is a file, not a directory/,
    );
    expectError(await run('write_file', { path: '.', content: 'x' }), /workspace root, not a file/);
    expect(read('plain.txt')).toBe('p');
    expect(allEntries()).toEqual(['dir', 'dir/x.txt', 'plain.txt']);
  });

  test('overwriting keeps the file mode', async () => {
    put('run.sh', '#!/bin/sh\n');
    fs.chmodSync(file('run.sh'), 0o755);
    await run('write_file', { path: 'run.sh', content: '#!/bin/sh\necho hi\n' });
    expect(fs.statSync(file('run.sh')).mode & 0o777).toBe(0o755);
  });
});

describe('edit_file', () => {
  beforeEach(() => put('src/app.ts', 'const a = 1;\nconst b = 2;\nconst b2 = 2;\n'));

  test('replaces exactly one occurrence', async () => {
    const outcome = await run('edit_file', {
      path: 'src/app.ts',
      old_string: 'const a = 1;',
      new_string: 'const a = 10;',
    });
    expect(outcome).toEqual(ok('Edited src/app.ts: replaced 1 occurrence at line 1.'));
    expect(read('src/app.ts')).toBe('const a = 10;\nconst b = 2;\nconst b2 = 2;\n');
    expect(allEntries()).toEqual(['src', 'src/app.ts']);
  });

  test('new_string is literal: "$&" and "$1" are not expanded', async () => {
    await run('edit_file', { path: 'src/app.ts', old_string: 'a = 1', new_string: 'a = "$&$1$$"' });
    expect(read('src/app.ts')).toContain('const a = "$&$1$$";');
  });

  test('zero occurrences: a tool error that says so; file unchanged', async () => {
    const outcome = await run('edit_file', { path: 'src/app.ts', old_string: 'const c', new_string: 'x' });
    expectError(outcome, /old_string was not found in src\/app\.ts\. It must match the file exactly/);
    expect(read('src/app.ts')).toBe('const a = 1;\nconst b = 2;\nconst b2 = 2;\n');
  });

  test('several occurrences: a tool error naming the count and lines; file unchanged', async () => {
    const outcome = await run('edit_file', { path: 'src/app.ts', old_string: ' = 2;', new_string: ' = 3;' });
    expectError(outcome, /old_string occurs 2 times in src\/app\.ts \(at lines 2, 3\); it must occur exactly once/);
    expect(read('src/app.ts')).toBe('const a = 1;\nconst b = 2;\nconst b2 = 2;\n');
  });

  test('overlapping occurrences count as ambiguous', async () => {
    put('aaa.txt', 'aaa');
    expectError(await run('edit_file', { path: 'aaa.txt', old_string: 'aa', new_string: 'b' }), /occurs 2 times/);
  });

  test('empty or unchanged old_string, missing file', async () => {
    expectError(await run('edit_file', { path: 'src/app.ts', old_string: '', new_string: 'x' }), /old_string is empty/);
    expectError(await run('edit_file', { path: 'src/app.ts', old_string: 'a', new_string: 'a' }), /identical/);
    expectError(await run('edit_file', { path: 'src/nope.ts', old_string: 'a', new_string: 'b' }), /No such file/);
  });
});

describe('list_files', () => {
  beforeEach(() => {
    for (const name of [
      'README.md',
      'docs/guide.md',
      'src/b.ts',
      'src/a.ts',
      'src/deep/c.ts',
      '.env',
      'src/.hidden.ts',
    ]) {
      put(name, 'x');
    }
    put('.git/HEAD', 'ref');
    put('node_modules/pkg/index.ts', 'x');
  });

  test('"**/*.ts" matches at any depth, sorted, dotfiles included, .git/node_modules skipped', async () => {
    expect(await run('list_files', { pattern: '**/*.ts' })).toEqual(
      ok(['src/.hidden.ts', 'src/a.ts', 'src/b.ts', 'src/deep/c.ts'].join('\n')),
    );
  });

  test('"*.md" is top level only; "**/*.md" is every level', async () => {
    expect(await run('list_files', { pattern: '*.md' })).toEqual(ok('README.md'));
    expect(await run('list_files', { pattern: '**/*.md' })).toEqual(ok('README.md\ndocs/guide.md'));
    expect(await run('list_files', { pattern: './src/*.ts' })).toEqual(ok('src/.hidden.ts\nsrc/a.ts\nsrc/b.ts'));
  });

  test('skipped directories are listed when the pattern names them', async () => {
    expect(await run('list_files', { pattern: 'node_modules/**' })).toEqual(ok('node_modules/pkg/index.ts'));
    expect(await run('list_files', { pattern: '.git/*' })).toEqual(ok('.git/HEAD'));
  });

  test('a plain file name, a brace pattern, and no match', async () => {
    expect(await run('list_files', { pattern: 'src/a.ts' })).toEqual(ok('src/a.ts'));
    expect(await run('list_files', { pattern: '{docs,src}/*.{md,ts}' })).toEqual(
      ok('docs/guide.md\nsrc/.hidden.ts\nsrc/a.ts\nsrc/b.ts'),
    );
    expect(await run('list_files', { pattern: '**/*.py' })).toEqual(ok('No files match "**/*.py".'));
    expect(await run('list_files', { pattern: 'missing/**' })).toEqual(ok('No files match "missing/**".'));
  });

  test('a plain directory name lists everything under it', async () => {
    expect(await run('list_files', { pattern: 'src' })).toEqual(
      ok('src/.hidden.ts\nsrc/a.ts\nsrc/b.ts\nsrc/deep/c.ts'),
    );
    expect((await run('list_files', { pattern: '.' })).content.split('\n')).toEqual([
      '.env',
      'README.md',
      'docs/guide.md',
      'src/.hidden.ts',
      'src/a.ts',
      'src/b.ts',
      'src/deep/c.ts',
    ]);
  });

  test('symlinks are listed but symlinked directories are not descended', async () => {
    fs.symlinkSync('src', file('src-link'));
    const outcome = await run('list_files', { pattern: '**/*' });
    expect(outcome.content.split('\n')).toContain('src-link');
    expect(outcome.content).not.toContain('src-link/');
    // Naming the link as the base is fine: it resolves inside, and results keep the model's spelling.
    expect(await run('list_files', { pattern: 'src-link/*.ts' })).toEqual(
      ok('src-link/.hidden.ts\nsrc-link/a.ts\nsrc-link/b.ts'),
    );
  });

  test('the result count is capped, with a notice', async () => {
    for (let i = 0; i < MAX_LIST_RESULTS + 5; i++) put(`many/f${String(i).padStart(4, '0')}.txt`, '');
    const lines = (await run('list_files', { pattern: 'many/*' })).content.split('\n');
    expect(lines).toHaveLength(MAX_LIST_RESULTS + 1);
    expect(lines[0]).toBe('many/f0000.txt');
    expect(lines.at(-1)).toBe(
      `[showing the first ${MAX_LIST_RESULTS} of ${MAX_LIST_RESULTS + 5} matching files; use a narrower pattern]`,
    );
  });

  test('empty and negated patterns are errors', async () => {
    expectError(await run('list_files', { pattern: '' }), /Invalid pattern "": it is empty/);
    expectError(await run('list_files', { pattern: '!*.md' }), /negated patterns are not supported/);
  });
});

describe('grep', () => {
  beforeEach(() => {
    put('src/a.ts', 'export function alpha() {}\nconst beta = 1;\r\nexport function gamma() {}\n');
    put('src/b.ts', 'nothing here\n');
    put('notes.md', 'alpha notes\n');
    put('bin/blob', Buffer.concat([Buffer.from('alpha'), Buffer.from([0, 1, 2])]));
    put('node_modules/x/index.js', 'function alpha() {}\n');
  });

  test('relpath:lineno:line over the whole workspace, binary and node_modules skipped', async () => {
    expect(await run('grep', { pattern: 'alpha' })).toEqual(
      ok('notes.md:1:alpha notes\nsrc/a.ts:1:export function alpha() {}'),
    );
  });

  test('regex syntax, a directory path, a file path, CRLF stripped', async () => {
    expect(await run('grep', { pattern: '^export function \\w+', path: 'src' })).toEqual(
      ok('src/a.ts:1:export function alpha() {}\nsrc/a.ts:3:export function gamma() {}'),
    );
    expect(await run('grep', { pattern: 'beta = \\d;$', path: 'src/a.ts' })).toEqual(ok('src/a.ts:2:const beta = 1;'));
    expect(await run('grep', { pattern: 'alpha', path: 'node_modules' })).toEqual(
      ok('node_modules/x/index.js:1:function alpha() {}'),
    );
  });

  test('no matches, missing path, invalid regex', async () => {
    expect(await run('grep', { pattern: 'zeta', path: 'src' })).toEqual(ok('No matches for /zeta/ in src.'));
    expectError(await run('grep', { pattern: 'x', path: 'nope' }), /No such file or directory: "nope"/);
    expectError(await run('grep', { pattern: 'func(' }), /Invalid regular expression: \/func\(\/: Unterminated group/);
  });

  test('matches and long lines are capped, with notices', async () => {
    put('big/many.txt', `${'match\n'.repeat(MAX_GREP_MATCHES + 50)}`);
    put('big/wide.txt', `match ${'w'.repeat(2000)}\n`);
    const lines = (await run('grep', { pattern: 'match', path: 'big' })).content.split('\n');
    expect(lines).toHaveLength(MAX_GREP_MATCHES + 1);
    expect(lines.at(-1)).toBe(`[stopped after ${MAX_GREP_MATCHES} matches; narrow the pattern or path]`);
    const wide = (await run('grep', { pattern: 'match', path: 'big/wide.txt' })).content;
    expect(wide).toBe(`big/wide.txt:1:match ${'w'.repeat(MAX_GREP_LINE_CHARS - 6)} [line truncated: 2006 characters]`);
  });
});
