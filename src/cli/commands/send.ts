/**
 * `lucid send <id> "<message>"`: sends a session a user message. A running turn sees it at its next model
 * request; an idle (kept-alive) session wakes up and starts a new turn.
 */
import { parseCommandArguments, requireMessage } from '../args';
import type { Command } from '../command';
import { CliError, ExitCode } from '../errors';
import { findRunningSession, lucidStatusOf } from '../session-lookup';

export const sendCommand: Command = async (args, { stdout, connect }) => {
  const { positionals } = parseCommandArguments('send', args, {}, ['id', 'message']);
  const [sessionId, message] = positionals;
  requireMessage('send', message);
  const connected = await connect();
  const description = await findRunningSession(connected, sessionId);
  // The workflow is still open while it winds down, but drops messages once the session has terminated.
  if (lucidStatusOf(description) === 'terminated') {
    throw new CliError(`session "${sessionId}" has ended; it no longer accepts messages`, ExitCode.failed);
  }
  await connected.lucid.sendMessage(sessionId, message);
  stdout.write(`message sent to ${sessionId}; watch the answer: lucid events ${sessionId} --follow\n`);
  return ExitCode.ok;
};
