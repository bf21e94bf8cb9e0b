/**
 * `lucid outcome <id> --rubric FILE --description "..." [--max-iterations N] [--hide-rubric] [--grader-model M]`:
 * gives a running or idle (kept-alive) session an outcome to achieve, through the `user.define_outcome` signal.
 * The session takes it up before the agent's next model request, or wakes up for it when idle; a newer outcome
 * replaces one still in progress (which then ends `interrupted`).
 */
import { CommandUsageError, parseCommandArguments } from '../args';
import type { Command } from '../command';
import { CliError, ExitCode } from '../errors';
import { OUTCOME_OPTIONS, readOutcome } from '../outcome-options';
import { findRunningSession, lucidStatusOf } from '../session-lookup';

const OPTIONS = {
  description: { type: 'string' },
  ...OUTCOME_OPTIONS,
} as const;

/** Checks the flags and the rubric file first (exit 2), then signals the session (exit 1 if it has ended). */
export const outcomeCommand: Command = async (args, { stdout, connect }) => {
  const { positionals, options } = parseCommandArguments('outcome', args, OPTIONS, ['id']);
  const [sessionId] = positionals;
  if (options.rubric === undefined) throw new CommandUsageError('missing --rubric FILE', 'outcome');
  if (options.description === undefined) throw new CommandUsageError('missing --description "..."', 'outcome');
  const outcome = readOutcome(
    'outcome',
    { ...options, rubric: options.rubric },
    { text: options.description, flag: '--description' },
  );

  const connected = await connect();
  const description = await findRunningSession(connected, sessionId);
  const status = lucidStatusOf(description);
  // The workflow is still open while it winds down, but a terminated session takes on no more work.
  if (status === 'terminated') {
    throw new CliError(`session "${sessionId}" has ended; it no longer accepts outcomes`, ExitCode.failed);
  }
  await connected.lucid.defineOutcome(sessionId, outcome);
  const when =
    status === 'idle'
      ? 'the idle session wakes up and starts work on it'
      : 'the agent takes it up before its next model request';
  stdout.write(`outcome sent to ${sessionId}; ${when}. Watch it: lucid events ${sessionId} --follow\n`);
  return ExitCode.ok;
};
