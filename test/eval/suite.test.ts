/**
 * Suite loading (src/eval/suite.ts): a folder built in a temp dir loads; each kind of bad input is refused with
 * a SuiteError naming the file and the field. The starter suite (evals/starter) loads with the counts docs/eval.md
 * gives, and its checks pass each task's right answer and fail its wrong one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runChecks } from '../../src/eval/checks';
import { loadSuite, SuiteError, testTasks, trainTasks } from '../../src/eval/suite';

const agent = {
  name: 'eval-agent',
  model: 'replaced-by-model',
  system: 'You do small office tasks.',
  tools: ['read_file', 'write_file'],
  max_turns: 5,
  max_tokens: 512,
};
const task = (id: string, split: string, extra: Record<string, unknown> = {}) => ({
  id,
  family: 'dates',
  split,
  message: `Do task ${id}.`,
  checks: [{ type: 'file_exists', path: 'report.md' }],
  ...extra,
});
const validSuite = () => ({
  name: 'tiny',
  agent,
  tasks: [task('learn', 'train'), task('try', 'test', { checks: [], script: 'check.js' })],
});

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-eval-suite-'));
  fs.writeFileSync(path.join(dir, 'check.js'), 'process.stdout.write(JSON.stringify({ checks: [] }));');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const writeSuite = (suite: unknown) => fs.writeFileSync(path.join(dir, 'suite.json'), JSON.stringify(suite));

/** The SuiteError loadSuite throws (failing the test if it loads). */
function loadError(): SuiteError {
  try {
    loadSuite(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(SuiteError);
    return error as SuiteError;
  }
  throw new Error('the suite loaded');
}

describe('loadSuite', () => {
  it('loads a valid suite with its defaults, the splits and an absolute dir', () => {
    writeSuite(validSuite());
    const suite = loadSuite(dir);
    expect(suite.name).toBe('tiny');
    expect(suite.dir).toBe(path.resolve(dir));
    expect(suite.max_iterations).toBe(3);
    expect(trainTasks(suite).map((t) => t.id)).toEqual(['learn']);
    expect(testTasks(suite).map((t) => t.id)).toEqual(['try']);
    expect(suite.tasks[0]).toMatchObject({ files: {}, planted: [] });
  });

  it('names the file when suite.json is missing or not JSON', () => {
    expect(loadError().message).toContain(`cannot read suite ${path.join(dir, 'suite.json')}`);
    fs.writeFileSync(path.join(dir, 'suite.json'), '{"name": "tiny",');
    expect(loadError().message).toMatch(/cannot read suite .*suite\.json: .*JSON/);
  });

  const invalid: Array<[string, (suite: ReturnType<typeof validSuite>) => unknown, RegExp]> = [
    [
      'an unknown check type',
      (s) => ({ ...s, tasks: [task('a', 'test', { checks: [{ type: 'file_is_nice', path: 'x' }] })] }),
      /tasks\.0\.checks\.0\.type/,
    ],
    [
      'a check with an unknown field',
      (s) => ({ ...s, tasks: [task('a', 'test', { checks: [{ type: 'file_exists', path: 'x', regex: 'y' }] })] }),
      /tasks\.0\.checks\.0.*regex/,
    ],
    [
      'an invalid regular expression',
      (s) => ({ ...s, tasks: [task('a', 'test', { checks: [{ type: 'message_matches', pattern: '(' }] })] }),
      /tasks\.0\.checks\.0\.pattern: must be a valid regular expression/,
    ],
    [
      'a check path outside the workspace',
      (s) => ({ ...s, tasks: [task('a', 'test', { checks: [{ type: 'file_exists', path: '../x' }] })] }),
      /tasks\.0\.checks\.0\.path: must be a relative path inside the workspace/,
    ],
    [
      'a fixture file outside the workspace',
      (s) => ({ ...s, tasks: [task('a', 'test', { files: { '/etc/x': 'y' } })] }),
      /tasks\.0\.files\.\/etc\/x: Invalid key/,
    ],
    [
      'a split other than train or test',
      (s) => ({ ...s, tasks: [task('a', 'test'), task('b', 'both')] }),
      /tasks\.1\.split/,
    ],
    [
      'a task with no split',
      (s) => ({ ...s, tasks: [task('a', 'test'), { ...task('b', 'test'), split: undefined }] }),
      /tasks\.1\.split/,
    ],
    ['no task in the test split', (s) => ({ ...s, tasks: [task('a', 'train')] }), /tasks: no task in the test split/],
    ['no tasks at all', (s) => ({ ...s, tasks: [] }), /tasks: /],
    [
      'a duplicate task id',
      (s) => ({ ...s, tasks: [task('a', 'test'), task('a', 'train')] }),
      /tasks\.1\.id: duplicate/,
    ],
    [
      'a task with neither checks nor script',
      (s) => ({ ...s, tasks: [task('a', 'test', { checks: [] })] }),
      /tasks\.0: a task needs checks or a script/,
    ],
    ['a bad task id', (s) => ({ ...s, tasks: [task('Not OK', 'test')] }), /tasks\.0\.id: lower-case letters/],
    ['an unknown top-level field', (s) => ({ ...s, arms: ['baseline'] }), /arms/],
    ['no agent', (s) => ({ ...s, agent: undefined }), /agent/],
    ['max_iterations of 0', (s) => ({ ...s, max_iterations: 0 }), /max_iterations/],
  ];
  it.each(invalid)('refuses %s, naming the field', (_, change, expected) => {
    writeSuite(change(validSuite()));
    const { message } = loadError();
    expect(message).toContain(`invalid suite ${path.join(dir, 'suite.json')}`);
    expect(message).toMatch(expected);
  });

  it('refuses a task whose checker script is missing, naming the task and the script', () => {
    fs.rmSync(path.join(dir, 'check.js'));
    writeSuite(validSuite());
    expect(loadError().message).toBe(`task try: checker script check.js not found in ${dir}`);
  });
});

describe('the starter suite (evals/starter)', () => {
  const starter = () => loadSuite(path.join(__dirname, '..', '..', 'evals', 'starter'));

  it('loads with 35 tasks, 17 of them in the test split (as docs/eval.md says)', () => {
    const suite = starter();
    expect(suite.tasks).toHaveLength(35);
    expect(testTasks(suite)).toHaveLength(17);
    expect(trainTasks(suite)).toHaveLength(18);
  });

  // The validation models play these answers, so a right answer that failed a check (or a wrong one that passed
  // them all) would make the oracle's 1.0 or the corrupted model's 0.0 a lie about the checks, not the agent.
  it("passes every task's right answer on all its checks and fails its wrong answer on at least one", async () => {
    const suite = starter();
    const verdicts: Record<string, { right: string[]; wrongFails: number }> = {};
    for (const task of suite.tasks) {
      expect(task.oracle).toBeDefined();
      const failed = async (answer: { files: Record<string, string>; message: string }) => {
        const workspace = fs.mkdtempSync(path.join(dir, `${task.id}-`));
        for (const [file, content] of Object.entries({ ...task.files, ...answer.files })) {
          fs.mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
          fs.writeFileSync(path.join(workspace, file), content);
        }
        const results = await runChecks(suite, task, workspace, answer.message);
        expect(results.length).toBeGreaterThan(0);
        return results.filter((result) => !result.pass).map((result) => result.name);
      };
      verdicts[task.id] = {
        right: await failed(task.oracle!.right),
        wrongFails: (await failed(task.oracle!.wrong)).length,
      };
    }
    for (const [id, { right, wrongFails }] of Object.entries(verdicts)) {
      expect({ id, failedWhenRight: right }).toEqual({ id, failedWhenRight: [] });
      expect({ id, wrongFails: wrongFails > 0 }).toEqual({ id, wrongFails: true });
    }
  });
});
