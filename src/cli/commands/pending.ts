/**
 * `lucid pending <id> [--json]`: the calls the session waits on a user's answer for (its `requires_action`), one a
 * line: event id, what it takes (a custom tool result, or a confirmation: `lucid approve|deny`), tool and input.
 */
import { parseCommandArguments } from '../args';
import type { Command } from '../command';
import { ExitCode } from '../errors';
import { describeToolInput } from '../render-event';
import { findSession } from '../session-lookup';

const ANSWER = { custom_tool_result: 'tool-result', tool_confirmation: 'approve|deny' } as const;

export const pendingCommand: Command = async (args, { stdout, connect }) => {
  const { positionals, options } = parseCommandArguments('pending', args, { json: { type: 'boolean' } }, ['id']);
  const [sessionId] = positionals;
  const connected = await connect();
  await findSession(connected, sessionId);
  const calls = await connected.lucid.pendingCalls(sessionId);
  if (options.json) {
    stdout.write(`${JSON.stringify(calls, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (calls.length === 0) stdout.write(`no call of ${sessionId} waits for an answer\n`);
  for (const call of calls) {
    stdout.write(`${call.event_id}  ${ANSWER[call.kind]}  ${call.name} ${describeToolInput(call.input)}`.trimEnd());
    stdout.write('\n');
  }
  return ExitCode.ok;
};
