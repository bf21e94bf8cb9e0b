/**
 * Checkers (src/eval/checks.ts): each declarative check passes and fails on a real temp workspace and a final
 * message; a checker script's pass, fail, crash, bad output and timeout each give the outcome docs/eval.md states.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkName, runCheck, runChecks, runScript } from '../../src/eval/checks';
import { loadSuite, type Check } from '../../src/eval/suite';

let root: string;
let workspace: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-eval-checks-'));
  workspace = path.join(root, 'workspace');
  fs.mkdirSync(path.join(workspace, 'docs'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'report.md'), '# Report\nShipped on 2026-03-01.\n');
  fs.writeFileSync(path.join(workspace, 'docs', 'total.txt'), '1234.50');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const pass = (check: Check, message = '') => runCheck(check, workspace, message).pass;

describe('declarative checks', () => {
  it('file_exists / file_absent see regular files only', () => {
    expect(pass({ type: 'file_exists', path: 'report.md' })).toBe(true);
    expect(pass({ type: 'file_exists', path: 'docs/total.txt' })).toBe(true);
    expect(pass({ type: 'file_exists', path: 'missing.md' })).toBe(false);
    expect(pass({ type: 'file_exists', path: 'docs' })).toBe(false); // a directory is not a file
    expect(pass({ type: 'file_absent', path: 'missing.md' })).toBe(true);
    expect(pass({ type: 'file_absent', path: 'report.md' })).toBe(false);
  });

  it('file_matches / file_not_matches test the regex against the contents (multi-line: ^ and $ per line)', () => {
    const isoDate = '^Shipped on \\d{4}-\\d{2}-\\d{2}\\.$';
    const usDate = '\\d{2}/\\d{2}/\\d{4}';
    expect(pass({ type: 'file_matches', path: 'report.md', pattern: isoDate })).toBe(true);
    expect(pass({ type: 'file_matches', path: 'report.md', pattern: usDate })).toBe(false);
    expect(pass({ type: 'file_not_matches', path: 'report.md', pattern: usDate })).toBe(true);
    expect(pass({ type: 'file_not_matches', path: 'report.md', pattern: isoDate })).toBe(false);
    expect(pass({ type: 'file_matches', path: 'docs/total.txt', pattern: '^\\d+\\.\\d{2}$' })).toBe(true);
    expect(pass({ type: 'file_not_matches', path: 'docs/total.txt', pattern: ',' })).toBe(true);
  });

  it('a missing file fails both file_matches and file_not_matches, saying so', () => {
    for (const type of ['file_matches', 'file_not_matches'] as const) {
      expect(runCheck({ type, path: 'gone.md', pattern: 'x' }, workspace, '')).toEqual({
        name: `${type} gone.md /x/`,
        pass: false,
        detail: 'gone.md does not exist',
      });
    }
  });

  it('message_matches / message_not_matches test the final message', () => {
    const message = 'Done.\nThe total is 1234.50 EUR.';
    expect(pass({ type: 'message_matches', pattern: '^The total is [\\d.]+ EUR\\.$' }, message)).toBe(true);
    expect(pass({ type: 'message_matches', pattern: 'USD' }, message)).toBe(false);
    expect(pass({ type: 'message_not_matches', pattern: 'USD' }, message)).toBe(true);
    expect(pass({ type: 'message_not_matches', pattern: 'Done' }, message)).toBe(false);
  });

  it('does not read outside the workspace, even through a symlink', () => {
    fs.writeFileSync(path.join(root, 'secret.txt'), 'outside');
    fs.symlinkSync(path.join(root, 'secret.txt'), path.join(workspace, 'link.txt'));
    expect(pass({ type: 'file_exists', path: 'link.txt' })).toBe(false);
    expect(pass({ type: 'file_matches', path: 'link.txt', pattern: 'outside' })).toBe(false);
  });

  it('names a check by its name, or by its type, path and pattern', () => {
    expect(checkName({ type: 'file_exists', path: 'a.md', name: 'the report exists' })).toBe('the report exists');
    expect(checkName({ type: 'file_matches', path: 'a.md', pattern: '\\d+' })).toBe('file_matches a.md /\\d+/');
    expect(checkName({ type: 'message_matches', pattern: 'ok' })).toBe('message_matches /ok/');
  });
});

describe('checker scripts', () => {
  const script = (name: string, body: string) => {
    const file = path.join(root, name);
    fs.writeFileSync(file, body);
    return file;
  };
  /** Reads the workspace file and the message file it is given, as docs/eval.md says a script is called. */
  const echoing = `
    const fs = require('node:fs');
    const [workspace, messageFile] = process.argv.slice(2);
    const total = fs.readFileSync(workspace + '/docs/total.txt', 'utf8');
    const message = fs.readFileSync(messageFile, 'utf8');
    process.stdout.write(JSON.stringify({ checks: [
      { name: 'two decimals', pass: /^\\d+\\.\\d{2}$/.test(total) },
      { name: 'message says done', pass: message.includes('done'), detail: message },
    ] }));`;

  it('returns the checks it prints, having been given the workspace and the message file', async () => {
    expect(await runScript(script('echo.js', echoing), workspace, 'all done')).toEqual([
      { name: 'two decimals', pass: true },
      { name: 'message says done', pass: true, detail: 'all done' },
    ]);
    expect(await runScript(script('echo.js', echoing), workspace, 'not yet')).toEqual([
      { name: 'two decimals', pass: true },
      { name: 'message says done', pass: false, detail: 'not yet' },
    ]);
  });

  it('a crashing script is one failed check naming the script and the error', async () => {
    const [result, ...rest] = await runScript(script('crash.js', 'throw new Error("checker broke");'), workspace, '');
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ name: 'script crash.js', pass: false });
    expect(result.detail).toContain('checker broke');
  });

  it('a script printing something else is one failed check', async () => {
    for (const output of ['not json', '{"checks": [{"name": "x"}]}', '{"ok": true}']) {
      const [result, ...rest] = await runScript(
        script('bad.js', `process.stdout.write(${JSON.stringify(output)})`),
        workspace,
        '',
      );
      expect(rest).toEqual([]);
      expect(result).toMatchObject({ name: 'script bad.js', pass: false });
    }
  });

  it('a script that runs past its time bound is killed and fails', async () => {
    const sleeper = script('sleep.js', 'setTimeout(() => process.stdout.write(\'{"checks": []}\'), 60_000);');
    const [result, ...rest] = await runScript(sleeper, workspace, '', 300);
    expect(rest).toEqual([]);
    expect(result).toMatchObject({ name: 'script sleep.js', pass: false });
    expect(result.detail).toMatch(/^timed out after 300 ms/);
  });

  it('a script printing more than its output bound fails, saying so', async () => {
    const flood = script('flood.js', "process.stdout.write('x'.repeat(2_000_000));");
    const [result, ...rest] = await runScript(flood, workspace, '');
    expect(rest).toEqual([]);
    expect(result).toEqual({ name: 'script flood.js', pass: false, detail: 'printed more than 1000000 bytes' });
  });

  it('runChecks runs the declarative list, then the suite script', async () => {
    fs.mkdirSync(path.join(root, 'suite'));
    fs.writeFileSync(path.join(root, 'suite', 'check.js'), echoing);
    const task = {
      id: 'total',
      family: 'numbers',
      split: 'test',
      message: 'Write the total.',
      checks: [{ type: 'file_exists', path: 'report.md', name: 'report exists' }],
      script: 'check.js',
    };
    const agent = { name: 'a', model: 'm', system: 's', tools: [], max_turns: 1, max_tokens: 16 };
    fs.writeFileSync(path.join(root, 'suite', 'suite.json'), JSON.stringify({ name: 's', agent, tasks: [task] }));
    const suite = loadSuite(path.join(root, 'suite'));
    const results = await runChecks(suite, suite.tasks[0], workspace, 'done');
    expect(results.map((result) => [result.name, result.pass])).toEqual([
      ['report exists', true],
      ['two decimals', true],
      ['message says done', true],
    ]);
  });
});
