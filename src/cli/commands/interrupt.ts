/**
 * `lucid interrupt <id>`: asks the session to stop its current turn. The workflow stops at the next safe point
 * (before its next model request), so a tool call in flight still completes and is recorded.
 */
import { parseCommandArguments } from '../args';
import type { Command } from '../command';
import { ExitCode } from '../errors';
import { findRunningSession, lucidStatusOf } from '../session-lookup';

export const interruptCommand: Command = async (args, { stdout, connect }) => {
  const { positionals } = parseCommandArguments('interrupt', args, {}, ['id']);
  const [sessionId] = positionals;
  const connected = await connect();
  const description = await findRunningSession(connected, sessionId);
  // Sent whatever the published status says: it may be a moment old, and the workflow ignores a needless one.
  await connected.lucid.interrupt(sessionId);
  const status = lucidStatusOf(description);
  stdout.write(
    status === 'running' || status === undefined
      ? `interrupt sent to ${sessionId}; the turn stops before its next model request\n`
      : `interrupt sent to ${sessionId}, but the session is ${status}: there is no turn to stop\n`,
  );
  return ExitCode.ok;
};
