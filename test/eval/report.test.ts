/**
 * The report (src/eval/report.ts) from constructed arm results: report.json's stable fields, pairing by
 * (task, trial), the markdown table and the SVG plot.
 */
import type { Arm } from '../../src/eval/arms';
import { buildReport, reportMarkdown, reportSvg, type EvalReport } from '../../src/eval/report';
import type { ArmResult, DreamSummary, TaskRun } from '../../src/eval/runner';
import { ZERO_USAGE, type Usage } from '../../src/domain/usage';

const context = {
  suite: 'tiny <suite> & co',
  model: 'scripted:learner',
  graderModel: 'scripted:learner',
  trials: 2,
  startedAt: '2026-12-02T18:00:00.000Z',
  wallMs: 4200,
};
const usage = (input: number, output: number): Usage => ({ ...ZERO_USAGE, input_tokens: input, output_tokens: output });

/** One run; `failed` names the checks that failed (pass is true when none did). */
function run(taskId: string, trial: number, failed: string[] = []): TaskRun {
  return {
    task_id: taskId,
    family: 'dates',
    trial,
    session_id: `session-${taskId}-${trial}`,
    pass: failed.length === 0,
    checks: [{ name: 'report exists', pass: true }, ...failed.map((name) => ({ name, pass: false }))],
    usage: usage(100, 10),
    grader_usage: ZERO_USAGE,
    wall_ms: 50,
    error: null,
  };
}

const dream = (): DreamSummary => ({
  dream_id: 'dream-1',
  status: 'completed',
  train_session_ids: ['train-1'],
  memory_store_id: 'store-1',
  usage: usage(1000, 200),
  changes: [],
  train_runs: [run('learn', 0)],
  planted_promoted: 0,
  planted_total: 2,
  wall_ms: 900,
});

const arm = (name: Arm, runs: TaskRun[], withDream = false): ArmResult => ({
  arm: name,
  runs,
  dream: withDream ? dream() : null,
  wall_ms: 1500,
});

/** Two test tasks × two trials. Baseline passes 1 of 4 (a#0); memory passes all 4, listed in another order. */
const baseline = arm('baseline', [
  run('a', 0),
  run('a', 1, ['ISO date']),
  run('b', 0, ['ISO date']),
  run('b', 1, ['ISO date', 'two decimals']),
]);
const memory = arm('memory', [run('b', 1), run('b', 0), run('a', 1), run('a', 0)], true);
const outcomes = arm('outcomes', [run('a', 0), run('a', 1), run('b', 0, ['ISO date']), run('b', 1, ['ISO date'])]);

describe('buildReport (report.json)', () => {
  const report = buildReport([baseline, outcomes, memory], context);

  it('has the run context', () => {
    expect(report).toMatchObject({
      suite: context.suite,
      model: 'scripted:learner',
      grader_model: 'scripted:learner',
      trials: 2,
      started_at: context.startedAt,
      wall_ms: 4200,
    });
  });

  it('gives each arm pass_rate, ci95 [low, high] around it, n and tokens', () => {
    expect(Object.keys(report.arms)).toEqual(['baseline', 'outcomes', 'memory']);
    expect(report.arms.baseline).toMatchObject({ pass_rate: 0.25, n: 4 });
    expect(report.arms.outcomes).toMatchObject({ pass_rate: 0.5, n: 4 });
    expect(report.arms.memory).toMatchObject({ pass_rate: 1, n: 4, ci95: [1, 1] });
    for (const result of Object.values(report.arms)) {
      const [low, high] = result.ci95;
      expect(low).toBeLessThanOrEqual(result.pass_rate);
      expect(high).toBeGreaterThanOrEqual(result.pass_rate);
    }
    // 4 runs × 110 tokens; memory adds its training run (110) and the dream (1200).
    expect(report.arms.baseline!.tokens).toBe(440);
    expect(report.arms.memory!.tokens).toBe(440 + 110 + 1200);
  });

  it('counts failed runs per check, costs null for a scripted model, and keeps the runs', () => {
    expect(report.arms.baseline!.check_failures).toEqual({ 'ISO date': 3, 'two decimals': 1 });
    expect(report.arms.memory!.check_failures).toEqual({});
    expect(report.arms.baseline!.cost_usd).toBeNull();
    expect(report.arms.baseline!.runs).toHaveLength(4);
  });

  it("prices the agent's tokens at the agent model's list price and the grader's and dream's at the grader's", () => {
    const graded = (runs: TaskRun[]) => runs.map((each) => ({ ...each, grader_usage: usage(1_000_000, 0) }));
    const priced = buildReport([arm('outcomes', graded(outcomes.runs)), memory], {
      ...context,
      model: 'claude-sonnet-4-5',
      graderModel: 'claude-haiku-4-5',
    });
    // outcomes: 4 × (100 input + 10 output) on Sonnet ($3 / $15 per million), 4 × 1M input on Haiku ($1).
    expect(priced.arms.outcomes!.cost_usd).toBeCloseTo((400 * 3 + 40 * 15) / 1e6 + 4, 3);
    // memory: 5 sessions on Sonnet (4 test, 1 training), the dream on Haiku: $0.0043 (cost_usd keeps 4 decimals).
    expect(priced.arms.memory!.cost_usd).toBeCloseTo((500 * 3 + 50 * 15) / 1e6 + (1000 * 1 + 200 * 5) / 1e6, 3);
    // A grader without a list price makes the whole arm's cost unknown, not silently the agent's alone.
    const unpriced = buildReport([arm('outcomes', graded(outcomes.runs))], { ...context, model: 'claude-sonnet-4-5' });
    expect(unpriced.arms.outcomes!.cost_usd).toBeNull();
  });

  it('pairs each arm with baseline by task and trial, not by list position', () => {
    // memory passes every run baseline failed: 3 of 4 pairs gain 1 → +0.75.
    expect(report.paired.memory!.difference).toBe(0.75);
    // outcomes gains on a#1 only → +0.25; its interval spans that gain and excludes a loss (no pair lost).
    expect(report.paired.outcomes!.difference).toBe(0.25);
    expect(report.paired.outcomes!.ci95[0]).toBeGreaterThanOrEqual(0);
    expect(report.paired.outcomes!.ci95[1]).toBeGreaterThanOrEqual(0.25);
    expect(report.paired.baseline).toBeUndefined();
  });

  it('pairs by task and trial: the interval is the same whatever order the runs are listed in', () => {
    // Fails a#0 (which baseline passed), passes the rest: pair differences −1, +1, +1, +1 → +0.5. Paired by list
    // position against baseline's order, the reversed list would give 0, +1, +1, 0: no loss, a different interval.
    const inOrder = [run('a', 0, ['ISO date']), run('a', 1), run('b', 0), run('b', 1)];
    const paired = (runs: TaskRun[]) => buildReport([baseline, arm('memory', runs)], context).paired.memory!;
    expect(paired(inOrder).difference).toBe(0.5);
    expect(paired(inOrder).ci95[0]).toBeLessThan(0); // resamples drawing the lost pair often enough
    expect(paired([...inOrder].reverse())).toEqual(paired(inOrder));
  });

  it('gives a constructed uplift from 0/10 to 10/10 as +1 [1, 1]', () => {
    const tasks = Array.from({ length: 10 }, (_, index) => `t${index}`);
    const none = arm(
      'baseline',
      tasks.map((id) => run(id, 0, ['wrong'])),
    );
    const all = arm(
      'outcomes',
      tasks.map((id) => run(id, 0)),
    );
    expect(buildReport([none, all], context).paired.outcomes).toEqual({ difference: 1, ci95: [1, 1] });
  });

  it('has no paired differences without a baseline arm', () => {
    expect(buildReport([outcomes, memory], context).paired).toEqual({});
  });

  it('refuses to pair arms that ran different task runs, naming them', () => {
    const other = arm('outcomes', [run('a', 0), run('a', 1), run('b', 0), run('c', 0)]);
    expect(() => buildReport([baseline, other], context)).toThrow(
      'arm outcomes and baseline ran different task runs (task#trial): only in baseline: b#1; only in outcomes: c#0',
    );
    const duplicated = arm('outcomes', [run('a', 0), run('a', 0), run('b', 0), run('b', 1)]);
    expect(() => buildReport([baseline, duplicated], context)).toThrow(
      'arm outcomes lists a task run (task#trial) more than once',
    );
  });
});

describe('reportMarkdown', () => {
  const report: EvalReport = buildReport([baseline, outcomes, memory], context);
  const markdown = reportMarkdown(report);
  const rows = markdown.split('\n').filter((line) => /^\| (baseline|outcomes|memory|outcomes\+memory) \|/.test(line));

  it('has one table row per arm, in order, with pass rate, paired difference, n and tokens', () => {
    expect(rows.map((row) => row.split('|')[1].trim())).toEqual(['baseline', 'outcomes', 'memory']);
    const cells = (row: string) => row.split('|').map((cell) => cell.trim());
    expect(cells(rows[0]).slice(1, 7)).toEqual(['baseline', '25.0%', expect.any(String), '—', '4', '440']);
    expect(cells(rows[2]).slice(1, 4)).toEqual(['memory', '100.0%', '[100.0%, 100.0%]']);
    expect(cells(rows[2])[4]).toMatch(/^\+75\.0 \[/);
    expect(cells(rows[2])[9]).toBe('0/2'); // planted in memory
  });

  it('lists the failed checks per arm, most frequent first', () => {
    expect(markdown).toContain('## baseline: failed checks\n\n- 3× ISO date\n- 1× two decimals');
    expect(markdown).not.toContain('## memory: failed checks');
  });
});

/** Rough XML well-formedness: every tag closes in order, attributes are quoted, no stray `<` or `&`. */
function expectWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const text = xml.replace(
    /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g,
    (_, close, name, __, selfClosing) => {
      if (close) expect(stack.pop()).toBe(name);
      else if (!selfClosing) stack.push(name);
      return '';
    },
  );
  expect(stack).toEqual([]);
  expect(text).not.toMatch(/[<>]/); // anything left that looks like a tag was malformed
  expect(text.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toContain('&');
}

describe('reportSvg', () => {
  const svg = reportSvg(buildReport([baseline, outcomes, memory], context));

  it('is well-formed XML with an svg root, escaping the suite name', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expectWellFormedXml(svg);
    expect(svg).toContain('tiny &lt;suite&gt; &amp; co');
  });

  it('draws one bar and one labelled whisker per arm', () => {
    const bars = svg.match(/<rect [^>]*fill="#1f77b4"\/>/g) ?? [];
    expect(bars).toHaveLength(3);
    const whiskers = svg.match(/<line [^>]*stroke="#d62728"[^>]*\/>/g) ?? [];
    expect(whiskers).toHaveLength(3 * 3); // the interval and its two caps
    for (const label of ['baseline (25.0%)', 'outcomes (50.0%)', 'memory (100.0%)'])
      expect(svg).toContain(`>${label}</text>`);
  });

  it('draws a bar as tall as its pass rate', () => {
    const heights = [...svg.matchAll(/<rect [^>]*height="([\d.]+)" fill="#1f77b4"\/>/g)].map((match) =>
      Number(match[1]),
    );
    // The plot is 360 − 36 − 48 = 276 pixels high.
    expect(heights).toEqual([276 * 0.25, 276 * 0.5, 276]);
  });
});
