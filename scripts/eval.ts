/**
 * `npm run eval -- --suite DIR [--arms …] [--trials N] [--model M] [--grader-model M] [--concurrency N] [--out DIR]`:
 * measures whether outcomes and dreaming help an agent on a suite (docs/eval.md). Progress on stderr; the report in
 * DIR/report.json, report.md and report.svg. Exits 0 once the report is written, 2 on bad options or suite.
 */
import { LucidError } from '../src/errors';
import { evalMain } from '../src/eval/main';

evalMain(process.argv.slice(2), process.stderr).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[eval] failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof LucidError && error.fault === 'user_input' ? 2 : 1);
  },
);
