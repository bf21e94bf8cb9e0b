/** The Managed Agents toolset's workspace tools (read, write, edit, glob, grep) and the /workspace path rule. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { executeToolOnce } from '../../src/workspace/tool-journal';
import { runWorkspaceTool, toolDefinitions, type ToolOutcome } from '../../src/workspace/tools';
import { openStorage } from '../../src/storage/open-storage';

let workspace: string;

beforeEach(async () => {
  workspace = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lucid-toolset-'));
});

afterEach(async () => {
  await fs.promises.rm(workspace, { recursive: true, force: true });
});

const run = (name: string, input: unknown, env: NodeJS.ProcessEnv = {}) =>
  runWorkspaceTool({ workspace, name, input, env });
const file = (relative: string) => path.join(workspace, relative);
const contentOf = (relative: string) => fs.readFileSync(file(relative), 'utf8');

function put(relative: string, content: string): void {
  fs.mkdirSync(path.dirname(file(relative)), { recursive: true });
  fs.writeFileSync(file(relative), content);
}

function expectOk(outcome: ToolOutcome, content: string | RegExp): void {
  expect(outcome.is_error).toBe(false);
  if (typeof content === 'string') expect(outcome.content).toBe(content);
  else expect(outcome.content).toMatch(content);
}

function expectError(outcome: ToolOutcome, message: RegExp): void {
  expect(outcome.is_error).toBe(true);
  expect(outcome.content).toMatch(message);
}

describe('read', () => {
  beforeEach(() => put('poem.txt', 'one\ntwo\nthree\nfour\n'));

  it('returns the whole file with line numbers', async () => {
    expectOk(await run('read', { file_path: 'poem.txt' }), '1\tone\n2\ttwo\n3\tthree\n4\tfour');
  });

  it('reads a view_range, 1-based and inclusive; -1 and 0 mean to the end; an end past it is cut', async () => {
    expectOk(await run('read', { file_path: 'poem.txt', view_range: [2, 3] }), '2\ttwo\n3\tthree');
    expectOk(await run('read', { file_path: 'poem.txt', view_range: [3, -1] }), '3\tthree\n4\tfour');
    expectOk(await run('read', { file_path: 'poem.txt', view_range: [4, 0] }), '4\tfour');
    expectOk(await run('read', { file_path: 'poem.txt', view_range: [4, 99] }), '4\tfour');
  });

  it('pads the numbers to the widest shown', async () => {
    put('long.txt', Array.from({ length: 12 }, (_, index) => `line ${index + 1}`).join('\n'));
    expectOk(await run('read', { file_path: 'long.txt', view_range: [9, 10] }), ' 9\tline 9\n10\tline 10');
  });

  it.each([
    [[0, 2], /start_line must be 1 or more/],
    [[5, -1], /start_line is past the end: the file has 4 line\(s\)/],
    [[3, 2], /end_line is before start_line/],
    [[1], /view_range: Too small: expected array to have exactly 2 items/],
    [[1, 2, 3], /view_range: Too big/],
    [[1.5, 2], /view_range\.0: expected int/],
    ['1-2', /view_range: expected array, received string/],
  ])('refuses view_range %j', async (viewRange, message) => {
    expectError(await run('read', { file_path: 'poem.txt', view_range: viewRange }), message);
  });

  it('says so for an empty file and refuses a missing one', async () => {
    put('empty.txt', '');
    expectOk(await run('read', { file_path: 'empty.txt' }), '(empty.txt is empty)');
    expectError(await run('read', { file_path: 'nope.txt' }), /No such file or directory: "nope.txt"/);
    expectError(await run('read', { path: 'poem.txt' }), /Invalid input for read: file_path: expected string/);
  });
});

describe('write and edit', () => {
  it('write creates parent directories and overwrites', async () => {
    expectOk(await run('write', { file_path: 'a/b/c.md', content: 'hi' }), 'Created a/b/c.md (2 bytes).');
    expectOk(await run('write', { file_path: 'a/b/c.md', content: 'hello' }), 'Overwrote a/b/c.md (5 bytes).');
    expect(contentOf('a/b/c.md')).toBe('hello');
  });

  it('edit replaces exactly one occurrence by default, and refuses several', async () => {
    put('x.txt', 'cat dog cat\n');
    expectError(await run('edit', { file_path: 'x.txt', old_string: 'cat', new_string: 'cow' }), /occurs 2 times/);
    expectOk(
      await run('edit', { file_path: 'x.txt', old_string: 'dog', new_string: 'emu' }),
      'Edited x.txt: replaced 1 occurrence at line 1.',
    );
    expect(contentOf('x.txt')).toBe('cat emu cat\n');
  });

  it('edit with replace_all replaces every occurrence, literally', async () => {
    put('x.txt', 'cat\ndog cat\ncatcat\n');
    expectOk(
      await run('edit', { file_path: 'x.txt', old_string: 'cat', new_string: '$&-', replace_all: true }),
      'Edited x.txt: replaced 4 occurrences.',
    );
    expect(contentOf('x.txt')).toBe('$&-\ndog $&-\n$&-$&-\n');
    expectError(
      await run('edit', { file_path: 'x.txt', old_string: 'bird', new_string: 'x', replace_all: true }),
      /old_string was not found in x.txt/,
    );
    expectError(
      await run('edit', { file_path: 'x.txt', old_string: '', new_string: 'x' }),
      /old_string is empty.*use write to create a file/,
    );
  });

  it('journals write and edit like write_file: a repeated call id changes nothing twice', async () => {
    const journalDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lucid-toolset-data-'));
    try {
      const journal = openStorage({ dataDir: journalDir }).toolJournal('session-1');
      put('n.txt', 'a\n');
      const edit = { file_path: 'n.txt', old_string: 'a', new_string: 'aa', replace_all: true };
      const first = await executeToolOnce({ workspace, journal, callId: 'toolu_1', name: 'edit', input: edit });
      const again = await executeToolOnce({ workspace, journal, callId: 'toolu_1', name: 'edit', input: edit });
      expect(again).toEqual(first);
      expect(contentOf('n.txt')).toBe('aa\n');
    } finally {
      await fs.promises.rm(journalDir, { recursive: true, force: true });
    }
  });
});

describe('glob', () => {
  async function touch(relative: string, secondsAgo: number): Promise<void> {
    put(relative, relative);
    const when = new Date(Date.now() - secondsAgo * 1000);
    await fs.promises.utimes(file(relative), when, when);
  }

  it('lists matches newest first by mtime, ties by path', async () => {
    await touch('old.ts', 300);
    await touch('src/new.ts', 10);
    await touch('src/b.ts', 100);
    await touch('src/a.ts', 100);
    await touch('notes.md', 5);
    expectOk(await run('glob', { pattern: '**/*.ts' }), 'src/new.ts\nsrc/a.ts\nsrc/b.ts\nold.ts');
  });

  it('takes the pattern relative to path, and /workspace spellings of both', async () => {
    await touch('src/a.ts', 20);
    await touch('src/deep/b.ts', 10);
    await touch('c.ts', 1);
    expectOk(await run('glob', { pattern: '**/*.ts', path: 'src' }), 'src/deep/b.ts\nsrc/a.ts');
    expectOk(await run('glob', { pattern: '*.ts', path: '/workspace/src' }), 'src/a.ts');
    expectOk(await run('glob', { pattern: '/workspace/src/*.ts' }), 'src/a.ts');
    expectOk(await run('glob', { pattern: '*.ts', path: '/workspace' }), 'c.ts');
    expectOk(await run('glob', { pattern: '*.md' }), 'No files match "*.md".');
  });

  it('refuses patterns and paths outside the workspace', async () => {
    expectError(
      await run('glob', { pattern: '/etc/*' }),
      /patterns are relative to the workspace root or under \/workspace/,
    );
    expectError(await run('glob', { pattern: '../*' }), /".." is not allowed/);
    expectError(await run('glob', { pattern: '*', path: '../' }), /climbs above the workspace root/);
    expectError(
      await run('glob', { pattern: '*', path: '/tmp' }),
      /Absolute paths are not allowed outside \/workspace/,
    );
    expectError(await run('glob', { pattern: '/workspace/*', path: 'src' }), /either an absolute pattern or path/);
  });
});

describe('grep with the toolset', () => {
  it('searches a path, spelled relative or under /workspace', async () => {
    put('src/a.ts', 'const answer = 42;\n');
    put('docs/b.md', 'the answer\n');
    expectOk(await run('grep', { pattern: 'answer', path: 'src' }), 'src/a.ts:1:const answer = 42;');
    expectOk(await run('grep', { pattern: 'answer', path: '/workspace/docs' }), 'docs/b.md:1:the answer');
    expectOk(
      await run('grep', { pattern: 'answer', path: '/workspace' }),
      'docs/b.md:1:the answer\nsrc/a.ts:1:const answer = 42;',
    );
  });
});

describe('the path rule, for old and new tools alike', () => {
  beforeEach(() => put('dir/f.txt', 'text\n'));

  it.each([
    ['read', { file_path: '/workspace/dir/f.txt' }],
    ['read_file', { path: '/workspace/dir/f.txt' }],
    ['list_files', { pattern: '/workspace/dir/*' }],
  ])('%s accepts /workspace/... paths', async (name, input) => {
    expectOk(await run(name, input), /text|dir\/f\.txt/);
  });

  it('maps /workspace itself to the root and writes through /workspace paths', async () => {
    expectError(await run('read', { file_path: '/workspace' }), /is a directory, not a file/);
    expectOk(
      await run('write_file', { path: '/workspace/new.txt', content: 'n' }),
      'Created /workspace/new.txt (1 byte).',
    );
    expect(contentOf('new.txt')).toBe('n');
  });

  it.each([
    ['read', { file_path: '/etc/passwd' }],
    ['read', { file_path: '/workspacefoo/x' }],
    ['write', { file_path: '/tmp/x', content: 'x' }],
    ['read_file', { path: '/etc/hostname' }],
    ['grep', { pattern: 'x', path: '/' }],
  ])('%s refuses other absolute paths, saying where paths may be', async (name, input) => {
    expectError(await run(name, input), /Paths must be relative to the workspace root .* or under \/workspace/);
  });

  it.each([
    ['read', { file_path: '../outside.txt' }],
    ['read', { file_path: '/workspace/../etc/passwd' }],
    ['edit', { file_path: 'dir/../../x', old_string: 'a', new_string: 'b' }],
  ])('%s refuses .. above the root', async (name, input) => {
    expectError(await run(name, input), /climbs above the workspace root/);
  });
});

describe('bash and web_fetch in the workspace runner', () => {
  it('never runs bash: the shell activity does', async () => {
    expectError(await run('bash', { command: 'touch x' }), /bash runs in the shell activity/);
    expect(fs.readdirSync(workspace)).toEqual([]);
  });

  it('refuses web_fetch on a worker without an allowlist', async () => {
    expectError(await run('web_fetch', { url: 'http://127.0.0.1/' }), /web_fetch is not configured on this worker/);
  });

  it('defines both for the model', () => {
    const [bash, webFetch] = toolDefinitions(['bash', 'web_fetch']);
    expect(Object.keys(bash.input_schema.properties)).toEqual(['command', 'restart', 'timeout_ms']);
    expect(Object.keys(webFetch.input_schema.properties)).toEqual(['url']);
  });
});
