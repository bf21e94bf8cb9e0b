/**
 * The eval report: report.json (the stable interface scripts and CI read: `arms.<name>.pass_rate`, `ci95`, `n`,
 * `tokens`; `paired.<arm>`), a markdown table and an SVG plot of the pass rates with their intervals.
 */
import { listCostCents } from '../domain/list-prices';
import type { Usage } from '../domain/usage';
import { describeProvenance, untrustedReason } from '../dreams/provenance';
import type { Arm } from './arms';
import { armUsage, armUsageByModel, type ArmResult, type DreamSummary, type TaskRun } from './runner';
import { bootstrapInterval, mean, pairedDifference, round, type Interval, type PairedDifference } from './statistics';

export interface ArmReport {
  pass_rate: number;
  ci95: Interval;
  /** Task runs (test tasks × trials). */
  n: number;
  /** Every token the arm used: sessions, graders, training sessions and the dream. */
  tokens: number;
  usage: Usage;
  /**
   * At list prices: the agent's tokens at the agent model's, the graders' and the dream's at the grader model's;
   * null when tokens were spent on a model without one (the scripted models).
   */
  cost_usd: number | null;
  wall_ms: number;
  /** Failed runs per check name. */
  check_failures: Record<string, number>;
  dream: DreamSummary | null;
  runs: ArmResult['runs'];
}

export interface EvalReport {
  suite: string;
  model: string;
  grader_model: string;
  trials: number;
  started_at: string;
  wall_ms: number;
  arms: Partial<Record<Arm, ArmReport>>;
  /** Each arm's pass rate minus baseline's over the same task runs; present when baseline ran. */
  paired: Partial<Record<Arm, PairedDifference>>;
}

export interface ReportContext {
  suite: string;
  model: string;
  graderModel: string;
  trials: number;
  startedAt: string;
  wallMs: number;
}

export function buildReport(results: readonly ArmResult[], context: ReportContext): EvalReport {
  const arms: EvalReport['arms'] = {};
  for (const result of results) arms[result.arm] = armReport(result, context);
  const baseline = results.find((result) => result.arm === 'baseline');
  const paired: EvalReport['paired'] = {};
  for (const result of results) {
    if (!baseline || result === baseline) continue;
    const [armScores, baselineScores] = pairedScores(result, baseline);
    paired[result.arm] = pairedDifference(armScores, baselineScores);
  }
  return {
    suite: context.suite,
    model: context.model,
    grader_model: context.graderModel,
    trials: context.trials,
    started_at: context.startedAt,
    wall_ms: context.wallMs,
    arms,
    paired,
  };
}

function armCostCents(result: ArmResult, context: ReportContext): number | null {
  const { agent, grader } = armUsageByModel(result);
  let cents = 0;
  for (const [usage, model] of [
    [agent, context.model],
    [grader, context.graderModel],
  ] as const) {
    if (tokensOf(usage) === 0) continue;
    const part = listCostCents(usage, model);
    if (part === null) return null;
    cents += part;
  }
  return cents;
}

function tokensOf(usage: Usage): number {
  return usage.input_tokens + usage.output_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
}

function armReport(result: ArmResult, context: ReportContext): ArmReport {
  const usage = armUsage(result);
  const values = scores(result);
  const cents = armCostCents(result, context);
  const checkFailures: Record<string, number> = {};
  for (const run of result.runs) {
    for (const check of run.checks) if (!check.pass) checkFailures[check.name] = (checkFailures[check.name] ?? 0) + 1;
  }
  return {
    pass_rate: round(mean(values)),
    ci95: bootstrapInterval(values),
    n: values.length,
    tokens: tokensOf(usage),
    usage,
    cost_usd: cents === null ? null : round(cents / 100),
    wall_ms: result.wall_ms,
    check_failures: checkFailures,
    dream: result.dream,
    runs: result.runs,
  };
}

function scores(result: ArmResult): number[] {
  return result.runs.map((run) => (run.pass ? 1 : 0));
}

/**
 * The two arms' scores lined up by (task, trial), so a difference compares the same task run even if the runs
 * were listed in another order. Both arms must hold exactly the same task runs, or the comparison means nothing.
 */
function pairedScores(arm: ArmResult, baseline: ArmResult): [arm: number[], baseline: number[]] {
  for (const result of [arm, baseline]) {
    if (new Set(result.runs.map(runKey)).size !== result.runs.length)
      throw new Error(`arm ${result.arm} lists a task run (task#trial) more than once`);
  }
  const baselineByKey = new Map(baseline.runs.map((run) => [runKey(run), run]));
  const armKeys = new Set(arm.runs.map(runKey));
  const missing = [...baselineByKey.keys()].filter((key) => !armKeys.has(key));
  const extra = [...armKeys].filter((key) => !baselineByKey.has(key));
  if (missing.length || extra.length)
    throw new Error(
      `arm ${arm.arm} and ${baseline.arm} ran different task runs (task#trial): ` +
        `only in ${baseline.arm}: ${missing.join(', ') || 'none'}; only in ${arm.arm}: ${extra.join(', ') || 'none'}`,
    );
  const score = (run: TaskRun) => (run.pass ? 1 : 0);
  return [arm.runs.map(score), arm.runs.map((run) => score(baselineByKey.get(runKey(run))!))];
}

const runKey = (run: TaskRun) => `${run.task_id}#${run.trial}`;

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const signed = (value: number) => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}`;

/** The summary table (and the dreams' changes) as markdown. */
export function reportMarkdown(report: EvalReport): string {
  const lines = [
    `# Eval: ${report.suite}`,
    '',
    `model \`${report.model}\`, grader and dream \`${report.grader_model}\`, ${report.trials} trial(s), wall ${(report.wall_ms / 1000).toFixed(1)} s`,
    '',
    '| arm | pass rate | 95% CI | vs baseline (points, 95% CI) | n | tokens | cost | wall s | planted in memory |',
    '| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [arm, result] of Object.entries(report.arms) as Array<[Arm, ArmReport]>) {
    const paired = report.paired[arm];
    const vs = paired ? `${signed(paired.difference)} [${signed(paired.ci95[0])}, ${signed(paired.ci95[1])}]` : '—';
    const planted = result.dream ? `${result.dream.planted_promoted}/${result.dream.planted_total}` : '—';
    const cost = result.cost_usd === null ? '—' : `$${result.cost_usd.toFixed(2)}`;
    lines.push(
      `| ${arm} | ${percent(result.pass_rate)} | [${percent(result.ci95[0])}, ${percent(result.ci95[1])}] | ${vs} | ${result.n} | ${result.tokens} | ${cost} | ${(result.wall_ms / 1000).toFixed(1)} | ${planted} |`,
    );
  }
  for (const [arm, result] of Object.entries(report.arms) as Array<[Arm, ArmReport]>) {
    const failures = Object.entries(result.check_failures).sort((a, b) => b[1] - a[1]);
    if (failures.length) {
      lines.push('', `## ${arm}: failed checks`, '');
      for (const [name, count] of failures) lines.push(`- ${count}× ${name}`);
    }
    if (result.dream) {
      lines.push('', `## ${arm}: dream ${result.dream.dream_id} (${result.dream.status})`, '');
      if (!result.dream.changes.length) lines.push('No changes.');
      for (const change of result.dream.changes) {
        const evidence = change.evidence.map((item) => `${item.session_id} #${item.seqs.join(',')}`).join('; ');
        const provenance = describeProvenance(change);
        const untrusted = untrustedReason(change);
        lines.push(
          `- ${change.id} ${change.status}: ${change.rationale} (evidence: ${evidence}` +
            `${provenance ? `; ${provenance}` : ''})${untrusted ? ` **UNTRUSTED: ${untrusted}**` : ''}`,
          '',
          '```diff',
          change.diff.trimEnd(),
          '```',
        );
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** Pass rate per arm as bars with their 95% interval as whiskers, in the style of the docs' other plots. */
export function reportSvg(report: EvalReport): string {
  const entries = Object.entries(report.arms) as Array<[Arm, ArmReport]>;
  const width = 720;
  const height = 360;
  const margin = { top: 36, right: 20, bottom: 48, left: 72 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const y = (value: number) => margin.top + plotHeight * (1 - value);
  const slot = plotWidth / Math.max(1, entries.length);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(`Pass rate per arm: ${report.suite} (${report.model})`)}</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#dddddd"/>`,
      `<text x="${margin.left - 8}" y="${y(tick) + 4}" text-anchor="end">${tick * 100}%</text>`,
    );
  }
  entries.forEach(([arm, result], index) => {
    const center = margin.left + slot * (index + 0.5);
    const barWidth = slot * 0.5;
    parts.push(
      `<rect x="${center - barWidth / 2}" y="${y(result.pass_rate)}" width="${barWidth}" height="${y(0) - y(result.pass_rate)}" fill="#1f77b4"/>`,
      `<line x1="${center}" x2="${center}" y1="${y(result.ci95[0])}" y2="${y(result.ci95[1])}" stroke="#d62728" stroke-width="2"/>`,
      `<line x1="${center - 8}" x2="${center + 8}" y1="${y(result.ci95[0])}" y2="${y(result.ci95[0])}" stroke="#d62728" stroke-width="2"/>`,
      `<line x1="${center - 8}" x2="${center + 8}" y1="${y(result.ci95[1])}" y2="${y(result.ci95[1])}" stroke="#d62728" stroke-width="2"/>`,
      `<text x="${center}" y="${height - margin.bottom + 18}" text-anchor="middle">${escapeXml(arm)} (${percent(result.pass_rate)})</text>`,
    );
  });
  parts.push(
    `<text x="16" y="${margin.top + plotHeight / 2}" transform="rotate(-90 16 ${margin.top + plotHeight / 2})" text-anchor="middle">pass rate (bars), 95% bootstrap CI (whiskers)</text>`,
    '</svg>',
  );
  return parts.join('\n') + '\n';
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
