/**
 * The harness's own correctness proof: real sessions on a real worker and dev server, played by the validation
 * models, must measure exactly the uplift each model was built to have (src/scripted-model/eval-players.ts).
 * The mini suite: train teaches the date and number conventions (and carries a probe with planted text); test has
 * a date task, a number task, and a naming task whose convention no train task teaches.
 */
import type { Worker } from '@temporalio/worker';
import path from 'node:path';
import { LucidClient } from '../../src/client';
import type { Arm } from '../../src/eval/arms';
import { buildReport, reportMarkdown, reportSvg, type EvalReport } from '../../src/eval/report';
import { runEval } from '../../src/eval/runner';
import { loadSuite } from '../../src/eval/suite';
import { validationPlayer, type ValidationModel } from '../../src/scripted-model/eval-players';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';
import {
  connectTestTemporal,
  createTestWorker,
  tempDir,
  uniqueTaskQueue,
  type TestTemporal,
} from '../helpers/temporal';

jest.setTimeout(240_000);

const suite = loadSuite(path.join(__dirname, '..', 'fixtures', 'eval-mini'));

let temporal: TestTemporal;
beforeAll(async () => {
  temporal = await connectTestTemporal();
});
afterAll(async () => {
  await temporal.close();
});

/** Runs the arms with one validation model on a worker of its own. */
async function evaluate(kind: ValidationModel, arms: Arm[]): Promise<EvalReport> {
  const model: ScriptedModel = await startScriptedModel({
    scenario: { rules: [] },
    player: validationPlayer(kind, suite.tasks),
  });
  const dataDir = tempDir('lucid-eval-');
  const taskQueue = uniqueTaskQueue();
  const worker: Worker = await createTestWorker({ temporal, taskQueue, dataDir, modelUrl: model.url });
  const running = worker.run();
  try {
    const lucid = new LucidClient({ client: temporal.client, taskQueue, dataDir });
    const results = await runEval(lucid, {
      suite,
      arms,
      trials: 1,
      model: `scripted-${kind}`,
      graderModel: `scripted-${kind}`,
      concurrency: 3,
      outDir: tempDir('lucid-eval-out-'),
      progress: () => {},
    });
    return buildReport(results, {
      suite: suite.name,
      model: kind,
      graderModel: kind,
      trials: 1,
      startedAt: new Date().toISOString(),
      wallMs: 0,
    });
  } finally {
    worker.shutdown();
    await running;
    await model.close();
  }
}

test('oracle scores 1.0 in every arm, and the report has the stable fields', async () => {
  const report = await evaluate('oracle', ['baseline', 'outcomes', 'memory', 'outcomes+memory']);
  for (const arm of ['baseline', 'outcomes', 'memory', 'outcomes+memory'] as const) {
    expect(report.arms[arm]).toMatchObject({ pass_rate: 1, ci95: [1, 1], n: 3 });
    expect(report.arms[arm]!.tokens).toBeGreaterThan(0);
  }
  expect(report.paired.outcomes).toEqual({ difference: 0, ci95: [0, 0] });
  // grader and dream tokens are counted: the outcome arm spends more than baseline, the memory arm more still
  expect(report.arms.outcomes!.tokens).toBeGreaterThan(report.arms.baseline!.tokens);
  expect(report.arms.memory!.dream!.usage.output_tokens).toBeGreaterThan(0);
  expect(report.arms.memory!.tokens).toBeGreaterThan(report.arms.baseline!.tokens);
  // the validation dream learns lessons, never the probe's planted instruction
  expect(report.arms.memory!.dream).toMatchObject({ status: 'completed', planted_promoted: 0, planted_total: 1 });
  expect(reportMarkdown(report)).toContain('| memory | 100.0% |');
  expect(reportSvg(report)).toContain('<svg');
});

test('corrupted scores 0.0 in every arm although its grader says satisfied', async () => {
  const report = await evaluate('corrupted', ['baseline', 'outcomes']);
  expect(report.arms.baseline).toMatchObject({ pass_rate: 0, ci95: [0, 0], n: 3 });
  expect(report.arms.outcomes).toMatchObject({ pass_rate: 0, ci95: [0, 0], n: 3 });
  const evaluations = report.arms.outcomes!.runs.map((run) => run.grader_usage.output_tokens);
  expect(evaluations.every((tokens) => tokens > 0)).toBe(true);
  expect(report.arms.outcomes!.check_failures).toMatchObject({
    'ISO date in report.md': 1,
    'no thousands separator in total.txt': 1,
    'kebab-case summary file': 1,
  });
});

test('learner: the memory arm gains exactly the two tasks whose convention the dream learned', async () => {
  const report = await evaluate('learner', ['baseline', 'outcomes', 'memory']);
  expect(report.arms.baseline!.pass_rate).toBe(0);
  expect(report.arms.outcomes!.pass_rate).toBe(0);
  const passed = report.arms.memory!.runs.filter((run) => run.pass).map((run) => run.task_id);
  expect(passed).toEqual(['charlie', 'delta']);
  expect(report.paired.memory!.difference).toBeCloseTo(2 / 3, 4);
  expect(report.arms.memory!.dream!.changes.map((change) => [change.status, change.trusted])).toEqual([
    ['applied', true],
  ]);
  // The lessons cite each train session's first event, the user's task message.
  expect(reportMarkdown(report)).toMatch(/- chg_1 applied: .*\(evidence: .*; \d+ user messages?\)\n/);
  expect(reportMarkdown(report)).not.toContain('UNTRUSTED');
});

test('reviser: only the outcomes arm gains, 0.0 → 1.0', async () => {
  const report = await evaluate('reviser', ['baseline', 'outcomes', 'memory']);
  expect(report.arms.baseline!.pass_rate).toBe(0);
  expect(report.arms.memory!.pass_rate).toBe(0);
  expect(report.arms.outcomes!.pass_rate).toBe(1);
  expect(report.paired.outcomes).toEqual({ difference: 1, ci95: [1, 1] });
});
