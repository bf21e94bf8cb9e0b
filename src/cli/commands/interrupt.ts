/**
 * `lucid interrupt <id>`: asks the session to stop its current turn, as the `user.interrupt` update. The workflow
 * stops at the next safe point (before its next model request), so a tool call in flight still completes and is
 * recorded. A session with no turn running says so, and nothing is sent (exit 0: there was nothing to stop).
 */
import { parseCommandArguments } from '../args';
import type { Command } from '../command';
import { ExitCode } from '../errors';
import { SessionRequestRejection } from '../../workflows/api/session-api';
import { reportRequestOutcome } from '../session-request';
import { findRunningSession } from '../session-lookup';
import { sendUpdate } from '../workflow-update';

export const interruptCommand: Command = async (args, { stdout, stderr, connect }) => {
  const { positionals } = parseCommandArguments('interrupt', args, {}, ['id']);
  const [sessionId] = positionals;
  const connected = await connect();
  await findRunningSession(connected, sessionId);
  const outcome = await sendUpdate(connected, () => connected.lucid.interrupt(sessionId));
  if (outcome.kind === 'rejected' && outcome.rejection.type === SessionRequestRejection.notRunning) {
    stdout.write(`no interrupt sent to ${sessionId}: ${outcome.rejection.message}\n`);
    return ExitCode.ok;
  }
  reportRequestOutcome(outcome, { sessionId, what: 'interrupt', stderr });
  stdout.write(`interrupt sent to ${sessionId}; the turn stops before its next model request\n`);
  return ExitCode.ok;
};
