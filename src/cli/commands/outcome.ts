/**
 * `lucid outcome <id> --rubric FILE --description "..." [--max-iterations N] [--hide-rubric] [--grader-model M]`:
 * gives a running or idle (kept-alive) session an outcome to achieve, through the `user.define_outcome` update.
 * The session takes it up before the agent's next model request, or wakes up for it when idle; a newer outcome
 * replaces one still in progress (which then ends `interrupted`). The update answers once the session has taken
 * the outcome up, which waits for the model request or tool call in flight; past the deadline the command stops
 * waiting and the session takes the outcome up all the same.
 */
import { CommandUsageError, parseCommandArguments } from '../args';
import type { Command } from '../command';
import { ExitCode } from '../errors';
import { OUTCOME_OPTIONS, readOutcome } from '../outcome-options';
import { reportRequestOutcome } from '../session-request';
import { findRunningSession, lucidStatusOf } from '../session-lookup';
import { sendUpdate } from '../workflow-update';

const OPTIONS = {
  description: { type: 'string' },
  ...OUTCOME_OPTIONS,
} as const;

/** Checks the flags and the rubric file first (exit 2), then sends the update (exit 1 if the session has ended). */
export const outcomeCommand: Command = async (args, { stdout, stderr, connect }) => {
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
  const accepted = await sendUpdate(connected, () => connected.lucid.startOutcome(sessionId, outcome));
  reportRequestOutcome(accepted, { sessionId, what: 'outcome', stderr });
  const taken = accepted.kind === 'done' ? await sendUpdate(connected, () => accepted.result.result()) : null;
  if (taken?.kind === 'done') {
    stdout.write(
      `outcome sent to ${sessionId} and taken up (event ${taken.result.seq}). Watch it: lucid events ${sessionId} --follow\n`,
    );
    return ExitCode.ok;
  }
  // Taking it up waits for the model request or tool call in flight; past the deadline the session still will.
  if (taken?.kind === 'rejected') reportRequestOutcome(taken, { sessionId, what: 'outcome', stderr });
  const when =
    lucidStatusOf(description) === 'idle'
      ? 'the idle session wakes up and starts work on it'
      : 'the agent takes it up before its next model request';
  stdout.write(`outcome sent to ${sessionId}; ${when}. Watch it: lucid events ${sessionId} --follow\n`);
  return ExitCode.ok;
};
