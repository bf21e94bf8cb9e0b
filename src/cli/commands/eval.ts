/**
 * `lucid eval --suite DIR [...]`: the eval harness (docs/eval.md). It starts its own dev server, worker and model
 * (as `npm run eval` does), so it needs no running Temporal; progress goes to stderr, the report to --out.
 */
import { EvalUsageError } from '../../eval/options';
import { evalMain } from '../../eval/main';
import type { Command } from '../command';
import { CliError, ExitCode } from '../errors';

export const evalCommand: Command = async (args, { stderr }) => {
  try {
    await evalMain(args, stderr);
  } catch (error) {
    if (error instanceof EvalUsageError) throw new CliError(error.message, ExitCode.usage);
    throw error;
  }
  return ExitCode.ok;
};
