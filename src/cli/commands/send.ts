/**
 * `lucid send <id> "<message>"`: sends a session a user message, as the `user.message` update. A running turn
 * sees it at its next model request; an idle (kept-alive) session wakes up and starts a new turn. The command
 * returns once the session has taken the message, with the event it was recorded as.
 */
import { parseCommandArguments, requireMessage } from '../args';
import type { Command } from '../command';
import { ExitCode } from '../errors';
import { findRunningSession } from '../session-lookup';
import { sendUpdate } from '../workflow-update';
import { reportRequestOutcome } from '../session-request';

export const sendCommand: Command = async (args, { stdout, stderr, connect }) => {
  const { positionals } = parseCommandArguments('send', args, {}, ['id', 'message']);
  const [sessionId, message] = positionals;
  requireMessage('send', message);
  const connected = await connect();
  await findRunningSession(connected, sessionId);
  const outcome = await sendUpdate(connected, () => connected.lucid.sendMessage(sessionId, message));
  reportRequestOutcome(outcome, { sessionId, what: 'message', stderr });
  stdout.write(
    outcome.kind === 'done'
      ? `message sent to ${sessionId} (event ${outcome.result.seq}); watch the answer: lucid events ${sessionId} --follow\n`
      : `message sent to ${sessionId}; watch the answer: lucid events ${sessionId} --follow\n`,
  );
  return ExitCode.ok;
};
