/**
 * Exactly-once tool calls: a retried call (same tool_use id) must not apply its change twice, whether the
 * first attempt finished or was "killed" at any point of the protocol (simulated with the crashAt seam).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsToolJournal } from '../../src/storage/fs-tool-journal';
import { executeToolOnce, type ExecuteToolOnceOptions, type JournalCrashPoint } from '../../src/workspace/tool-journal';
import { SimulatedCrash } from '../../src/errors';

let base: string;
let workspace: string;
let journalDir: string;
let journal: FsToolJournal;

beforeEach(async () => {
  base = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lucid-journal-'));
  workspace = path.join(base, 'workspace');
  journalDir = path.join(base, 'journal');
  journal = new FsToolJournal(journalDir);
  await fs.promises.mkdir(workspace);
  fs.writeFileSync(path.join(workspace, 'f.txt'), 'x');
});

afterEach(async () => {
  await fs.promises.rm(base, { recursive: true, force: true });
});

const read = (relative: string) => fs.readFileSync(path.join(workspace, relative), 'utf8');
const workspaceEntries = () => fs.readdirSync(workspace, { recursive: true, encoding: 'utf8' }).sort();

interface ToolCall {
  name: string;
  input: unknown;
}

const DOUBLE_X: ToolCall = { name: 'edit_file', input: { path: 'f.txt', old_string: 'x', new_string: 'xx' } };

function call(callId: string, tool: ToolCall, extra: Partial<ExecuteToolOnceOptions> = {}) {
  return executeToolOnce({ workspace, journal, callId, ...tool, ...extra });
}

async function crash(callId: string, point: JournalCrashPoint, tool: ToolCall = DOUBLE_X): Promise<void> {
  await expect(call(callId, tool, { crashAt: point })).rejects.toBeInstanceOf(SimulatedCrash);
}

describe('completed calls', () => {
  test('a repeated edit x -> xx leaves "xx", not "xxx", and returns the same outcome', async () => {
    const first = await call('toolu_01', DOUBLE_X);
    expect(first).toEqual({ content: 'Edited f.txt: replaced 1 occurrence at line 1.', is_error: false });
    expect(await call('toolu_01', DOUBLE_X)).toEqual(first);
    expect(read('f.txt')).toBe('xx');
    // A different call id is a different call and does apply.
    await call('toolu_02', { name: 'edit_file', input: { path: 'f.txt', old_string: 'xx', new_string: 'xxx' } });
    expect(read('f.txt')).toBe('xxx');
  });

  test('a repeated write does not clobber later changes', async () => {
    await call('toolu_w', { name: 'write_file', input: { path: 'new/a.txt', content: 'first' } });
    fs.writeFileSync(path.join(workspace, 'new/a.txt'), 'changed since');
    const again = await call('toolu_w', { name: 'write_file', input: { path: 'new/a.txt', content: 'first' } });
    expect(again).toEqual({ content: 'Created new/a.txt (5 bytes).', is_error: false });
    expect(read('new/a.txt')).toBe('changed since');
  });

  test('read-only calls and tool errors are recorded too', async () => {
    const readCall = { name: 'read_file', input: { path: 'f.txt' } };
    expect(await call('toolu_r', readCall)).toEqual({ content: 'x', is_error: false });
    fs.writeFileSync(path.join(workspace, 'f.txt'), 'changed');
    expect(await call('toolu_r', readCall)).toEqual({ content: 'x', is_error: false });

    const missing = { name: 'edit_file', input: { path: 'f.txt', old_string: 'zzz', new_string: 'y' } };
    const error = await call('toolu_e', missing);
    expect(error.is_error).toBe(true);
    expect(await journal.read('toolu_e')).toEqual(expect.objectContaining({ state: 'done', outcome: error }));
    expect(await call('toolu_u', { name: 'no_such_tool', input: {} })).toEqual(
      expect.objectContaining({ is_error: true }),
    );
  });

  test('journal entries are plain JSON files, written without leftovers', async () => {
    await call('toolu_01', DOUBLE_X);
    expect(fs.readdirSync(journalDir)).toEqual(['toolu_01.json']);
    expect(JSON.parse(fs.readFileSync(path.join(journalDir, 'toolu_01.json'), 'utf8'))).toEqual({
      version: 2,
      state: 'done',
      callId: 'toolu_01',
      name: 'edit_file',
      outcome: { content: 'Edited f.txt: replaced 1 occurrence at line 1.', is_error: false },
    });
    expect(workspaceEntries()).toEqual(['f.txt']);
  });

  test('unsafe call ids are refused before anything is written', async () => {
    for (const callId of ['', '../escape', 'a/b', 'a.json', 'x'.repeat(129), 'id\0']) {
      await expect(call(callId, DOUBLE_X)).rejects.toThrow(/invalid tool call id/);
    }
    expect(fs.existsSync(journalDir)).toBe(false);
    expect(fs.readdirSync(base).sort()).toEqual(['workspace']);
    expect(read('f.txt')).toBe('x');
  });
});

describe('recovery from a crash mid-protocol', () => {
  test('crash after the temp write, before the intent: the retry applies once', async () => {
    await crash('toolu_c1', 'after_temp_write');
    expect(read('f.txt')).toBe('x');
    expect(await journal.read('toolu_c1')).toBeNull();
    expect(await call('toolu_c1', DOUBLE_X)).toEqual({
      content: 'Edited f.txt: replaced 1 occurrence at line 1.',
      is_error: false,
    });
    expect(read('f.txt')).toBe('xx');
    expect(workspaceEntries()).toEqual(['f.txt']); // the leftover temp file was reused, not orphaned
  });

  test('crash between intent and rename: the retry finishes the rename', async () => {
    await crash('toolu_c2', 'after_intent');
    expect(read('f.txt')).toBe('x');
    const pending = await journal.read('toolu_c2');
    expect(pending).toEqual(expect.objectContaining({ state: 'pending' }));
    expect(workspaceEntries()).toEqual(['.lucid-tmp-toolu_c2', 'f.txt']);

    const outcome = await call('toolu_c2', DOUBLE_X);
    expect(outcome).toEqual(pending?.state === 'pending' && pending.outcome);
    expect(read('f.txt')).toBe('xx');
    expect(workspaceEntries()).toEqual(['f.txt']);
    expect(await journal.read('toolu_c2')).toEqual(expect.objectContaining({ state: 'done' }));
    await call('toolu_c2', DOUBLE_X);
    expect(read('f.txt')).toBe('xx');
  });

  test('crash after the rename, before "done": the retry does not apply again', async () => {
    await crash('toolu_c3', 'after_rename');
    expect(read('f.txt')).toBe('xx');
    expect(await journal.read('toolu_c3')).toEqual(expect.objectContaining({ state: 'pending' }));

    expect(await call('toolu_c3', DOUBLE_X)).toEqual({
      content: 'Edited f.txt: replaced 1 occurrence at line 1.',
      is_error: false,
    });
    expect(read('f.txt')).toBe('xx');
    expect(await journal.read('toolu_c3')).toEqual(expect.objectContaining({ state: 'done' }));
  });

  test('a write_file that created directories recovers the same way', async () => {
    const write = { name: 'write_file', input: { path: 'a/b/new.txt', content: 'hello' } };
    await crash('toolu_c4', 'after_intent', write);
    expect(fs.existsSync(path.join(workspace, 'a/b/new.txt'))).toBe(false);
    expect(await call('toolu_c4', write)).toEqual({ content: 'Created a/b/new.txt (5 bytes).', is_error: false });
    expect(read('a/b/new.txt')).toBe('hello');
    expect(workspaceEntries()).toEqual(['a', 'a/b', 'a/b/new.txt', 'f.txt']);
  });

  test('a staged temp file that does not match the recorded hash is discarded and the call re-run', async () => {
    await crash('toolu_c5', 'after_intent');
    fs.writeFileSync(path.join(workspace, '.lucid-tmp-toolu_c5'), 'corrupted');
    expect((await call('toolu_c5', DOUBLE_X)).is_error).toBe(false);
    expect(read('f.txt')).toBe('xx');
    expect(workspaceEntries()).toEqual(['f.txt']);
  });
});
