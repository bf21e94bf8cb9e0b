/**
 * Sending a user's answer to a call a session waits on: a confirmation (`lucid approve|deny`) or a custom tool's
 * result (`lucid tool-result`), and `lucid run`'s prompt, which answers the same way. A refusal is a CliError with
 * the session's reason (exit 1); a request no worker took in time is a warning.
 */
import type { ToolConfirmation } from '../workflows/api/session-api';
import type { Connected } from './connect';
import type { PrinterStream } from './event-printer';
import { reportRequestOutcome } from './session-request';
import { sendUpdate } from './workflow-update';

/** Who a confirmation sent with the CLI is logged as. */
export const CLI_DECIDER = 'cli';

export type ConfirmationDecision = Pick<ToolConfirmation, 'result' | 'deny_message'>;

export interface ToolResultAnswer {
  text: string;
  isError?: boolean;
}

interface AnswerTarget {
  connected: Connected;
  sessionId: string;
  stderr: PrinterStream;
}

export async function sendConfirmation(
  { connected, sessionId, stderr }: AnswerTarget,
  toolUseId: string,
  decision: ConfirmationDecision,
): Promise<void> {
  const confirmation: ToolConfirmation = { tool_use_id: toolUseId, ...decision, decided_by: CLI_DECIDER };
  const outcome = await sendUpdate(connected, () => connected.lucid.confirmToolUse(sessionId, confirmation));
  reportRequestOutcome(outcome, { sessionId, what: 'confirmation', stderr });
}

export async function sendToolResult(
  { connected, sessionId, stderr }: AnswerTarget,
  customToolUseId: string,
  { text, isError }: ToolResultAnswer,
): Promise<void> {
  const result = {
    custom_tool_use_id: customToolUseId,
    content: [{ type: 'text' as const, text }],
    ...(isError ? { is_error: true } : {}),
  };
  const outcome = await sendUpdate(connected, () => connected.lucid.sendCustomToolResult(sessionId, result));
  reportRequestOutcome(outcome, { sessionId, what: 'tool result', stderr });
}
