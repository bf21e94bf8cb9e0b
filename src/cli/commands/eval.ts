/**
 * `lucid eval --suite DIR [...]`: the eval harness (docs/eval.md). It starts its own dev server, worker and model
 * (as `npm run eval` does), so it needs no running Temporal; progress goes to stderr, the report to --out.
 */
import { EvalUsageError } from '../../eval/options';
import type { Command } from '../command';
import { CliError, ExitCode } from '../errors';

export const evalCommand: Command = async (args, { stderr }) => {
  // Loaded when used: the harness brings a worker, activities and a dev server, seconds of start-up every other
  // command would pay for nothing.
  const { evalMain } = await import('../../eval/main');
  try {
    await evalMain(args, stderr);
  } catch (error) {
    if (error instanceof EvalUsageError) throw new CliError(error.message, ExitCode.usage);
    throw error;
  }
  return ExitCode.ok;
};
