/** `npm run eval --` and `lucid eval`: parse, start the stack, run the arms, write the report. */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { parseEvalOptions, scriptedKind } from './options';
import { buildReport, reportMarkdown, reportSvg, type EvalReport } from './report';
import { runEval } from './runner';
import { startEvalStack } from './stack';
import { loadSuite } from './suite';

/** Runs the eval the arguments ask for; resolves to the report (also written to --out). */
export async function evalMain(args: string[], stderr: { write(text: string): unknown }): Promise<EvalReport> {
  const options = parseEvalOptions(args);
  // The SDK's info logs (worker state, bundling) would drown the progress lines.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const suite = loadSuite(options.suiteDir);
  const startedAt = new Date();
  const progress = (line: string) => stderr.write(`[eval] ${line}\n`);
  progress(`suite ${suite.name}: arms ${options.arms.join(', ')}, ${options.trials} trial(s), model ${options.model}`);
  const stack = await startEvalStack(suite, scriptedKind(options.model), path.join(options.outDir, 'data'));
  try {
    const results = await runEval(stack.lucid, {
      suite,
      arms: options.arms,
      trials: options.trials,
      model: agentModel(options.model),
      graderModel: agentModel(options.graderModel),
      concurrency: options.concurrency,
      outDir: options.outDir,
      progress,
    });
    const report = buildReport(results, {
      suite: suite.name,
      model: options.model,
      graderModel: options.graderModel,
      trials: options.trials,
      startedAt: startedAt.toISOString(),
      wallMs: Date.now() - startedAt.getTime(),
    });
    writeReport(options.outDir, report);
    stderr.write(reportMarkdown(report).split('\n## ')[0]);
    progress(`report in ${path.join(options.outDir, 'report.json')} (report.md, report.svg)`);
    return report;
  } finally {
    await stack.close();
  }
}

/** A session's model name for a validation model (any name reaches the scripted model). */
function agentModel(model: string): string {
  return model.replace(':', '-');
}

function writeReport(outDir: string, report: EvalReport): void {
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'report.md'), reportMarkdown(report));
  fs.writeFileSync(path.join(outDir, 'report.svg'), reportSvg(report));
}
