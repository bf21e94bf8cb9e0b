/**
 * `lucid approve <id> <tool_use_id>` and `lucid deny <id> <tool_use_id> [--message TEXT]`: answer a tool call that
 * waits for a confirmation (docs/tools.md, "permission_policy"), as the `user.tool_confirmation` update, logged as
 * decided by "cli". An id no confirmation waits under is refused with the session's reason (exit 1).
 */
import { parseCommandArguments } from '../args';
import type { Command } from '../command';
import { ExitCode, type ExitCodeValue } from '../errors';
import { sendConfirmation, type ConfirmationDecision } from '../pending-answers';
import { findRunningSession } from '../session-lookup';

export const approveCommand: Command = async (args, context) => {
  const { positionals } = parseCommandArguments('approve', args, {}, ['id', 'tool_use_id']);
  return confirm(positionals, { result: 'allow' }, context);
};

export const denyCommand: Command = async (args, context) => {
  const { positionals, options } = parseCommandArguments('deny', args, { message: { type: 'string' } }, [
    'id',
    'tool_use_id',
  ]);
  const message = options.message === undefined ? {} : { deny_message: options.message };
  return confirm(positionals, { result: 'deny', ...message }, context);
};

async function confirm(
  [sessionId, toolUseId]: string[],
  decision: ConfirmationDecision,
  { stdout, stderr, connect }: Parameters<Command>[1],
): Promise<ExitCodeValue> {
  const connected = await connect();
  await findRunningSession(connected, sessionId);
  await sendConfirmation({ connected, sessionId, stderr }, toolUseId, decision);
  stdout.write(`${decision.result === 'allow' ? 'approved' : 'denied'} ${toolUseId} of ${sessionId}\n`);
  return ExitCode.ok;
}
