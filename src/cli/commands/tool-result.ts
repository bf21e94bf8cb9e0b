/**
 * `lucid tool-result <id> <custom_tool_use_id> --content "..." [--error]`: answers a custom tool call the session
 * waits for, as the `user.custom_tool_result` update (docs/tools.md, "Custom tools"). The session runs on once
 * every call it waits for has an answer; an id no call waits under is refused with the session's reason.
 */
import { CommandUsageError, parseCommandArguments } from '../args';
import type { Command } from '../command';
import { ExitCode } from '../errors';
import { sendToolResult } from '../pending-answers';
import { findRunningSession } from '../session-lookup';

export const toolResultCommand: Command = async (args, { stdout, stderr, connect }) => {
  const { positionals, options } = parseCommandArguments(
    'tool-result',
    args,
    { content: { type: 'string' }, error: { type: 'boolean' } },
    ['id', 'custom_tool_use_id'],
  );
  const [sessionId, customToolUseId] = positionals;
  if (options.content === undefined) throw new CommandUsageError('missing --content', 'tool-result');
  const connected = await connect();
  await findRunningSession(connected, sessionId);
  await sendToolResult({ connected, sessionId, stderr }, customToolUseId, {
    text: options.content,
    isError: options.error,
  });
  stdout.write(`tool result for ${customToolUseId} sent to ${sessionId}\n`);
  return ExitCode.ok;
};
