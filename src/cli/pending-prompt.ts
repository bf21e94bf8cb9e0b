/**
 * Answering, at a terminal, the calls a session waits on (its `requires_action`): each call is shown (the tool, a
 * bounded preview of its input, why it asks) and the user allows or denies a confirmation, types a custom tool's
 * result, or skips the call, which stays pending for `lucid approve|deny|tool-result` later. Each answer is sent
 * as it is given, so one the session refuses (answered meanwhile from elsewhere) is shown and the rest still asked.
 * The end of input (Ctrl-D) leaves the calls not answered yet pending, and says how to answer them.
 */
import type { PendingCall } from '../client';
import type { Conversation } from './conversation';
import type { ConfirmationDecision } from './pending-answers';
import { describeToolInput } from './render-event';
import { oneLine } from './text';

/** Sends an answer; each resolves null once the session took it, or with the reason it was refused. */
export interface PendingCallAnswers {
  confirm(call: PendingCall, decision: ConfirmationDecision): Promise<string | null>;
  sendResult(call: PendingCall, text: string): Promise<string | null>;
}

export interface PromptOutcome {
  /** Event ids the session took an answer for. */
  answered: string[];
  /** Calls skipped, or not reached because the input ended: they still wait. */
  left: PendingCall[];
  inputEnded: boolean;
}

/** The input preview's bounds: enough to judge a call, never a screenful of file content. */
const MAX_PREVIEW_CHARACTERS = 800;
const MAX_PREVIEW_LINES = 12;
const MAX_REASON_LENGTH = 300;

const ALLOW_WORDS = new Set(['a', 'allow', 'y', 'yes']);
const DENY_WORDS = new Set(['d', 'deny', 'n', 'no']);
const SKIP_WORDS = new Set(['s', 'skip']);
const CONFIRMATION_QUESTION = 'allow, deny [message] or skip? [a/d/s] ';
const CONFIRMATION_HELP =
  'please answer a (allow), d (deny), optionally followed by a message for the model ("d not that file"), or s (skip)\n';

/** What the user said about one call. */
type Answer =
  | { kind: 'confirmation'; decision: ConfirmationDecision }
  | { kind: 'result'; text: string }
  | { kind: 'skip' }
  | { kind: 'ended' };

/** Asks about each call in turn and sends each answer as it comes. */
export async function promptForPendingCalls(
  sessionId: string,
  calls: readonly PendingCall[],
  conversation: Conversation,
  answers: PendingCallAnswers,
): Promise<PromptOutcome> {
  const outcome: PromptOutcome = { answered: [], left: [], inputEnded: false };
  for (const [index, call] of calls.entries()) {
    conversation.show(`\n${describePendingCall(call, `[${index + 1}/${calls.length}]`)}`);
    const answer =
      call.kind === 'tool_confirmation' ? await askConfirmation(conversation) : await askResult(conversation, call);
    if (answer.kind === 'ended') {
      outcome.inputEnded = true;
      outcome.left.push(...calls.slice(index));
      conversation.show(`\ninput ended; left pending:\n${listWaitingCalls(sessionId, calls.slice(index))}`);
      break;
    }
    if (answer.kind === 'skip') {
      outcome.left.push(call);
      conversation.show(`left pending; answer it later: ${answerCommand(sessionId, call)}\n`);
      continue;
    }
    const refusal =
      answer.kind === 'result'
        ? await answers.sendResult(call, answer.text)
        : await answers.confirm(call, answer.decision);
    if (refusal === null) outcome.answered.push(call.event_id);
    conversation.show(refusal === null ? `${acknowledgement(answer)}\n` : `not answered: ${refusal}\n`);
  }
  return outcome;
}

/** `[1/3] write (sevt_…) asks for your confirmation (always_ask)`, then the input's preview. */
export function describePendingCall(call: PendingCall, position: string): string {
  const why =
    call.kind === 'custom_tool_result'
      ? 'is a custom tool: its result is yours to give'
      : `asks for your confirmation (${describeEvaluation(call)})`;
  return `${position} ${call.name} (${call.event_id}) ${why}\n${previewInput(call.input)}`;
}

/** One line per call with the command that answers it, for when nobody can be asked. */
export function listWaitingCalls(sessionId: string, calls: readonly PendingCall[]): string {
  return calls
    .map((call) => `  ${call.event_id}  ${call.name} ${describeToolInput(call.input)}`.trimEnd())
    .map((line, index) => `${line}  ·  ${answerCommand(sessionId, calls[index])}\n`)
    .join('');
}

export function answerCommand(sessionId: string, call: PendingCall): string {
  return call.kind === 'tool_confirmation'
    ? `lucid approve|deny ${sessionId} ${call.event_id}`
    : `lucid tool-result ${sessionId} ${call.event_id} --content "..."`;
}

function describeEvaluation({ evaluation }: PendingCall): string {
  if (evaluation?.type !== 'auto') return 'always_ask';
  return `auto, the judge asks: ${printable(oneLine(evaluation.reason, MAX_REASON_LENGTH))}`;
}

/** The input as indented JSON (which escapes control characters, so nothing reaches the terminal raw), cut. */
function previewInput(input: Record<string, unknown>): string {
  const json = JSON.stringify(input, null, 2) ?? '{}';
  const cut = json.length > MAX_PREVIEW_CHARACTERS ? json.slice(0, MAX_PREVIEW_CHARACTERS) : json;
  const lines = cut.split('\n');
  const shown = lines.slice(0, MAX_PREVIEW_LINES);
  const hidden = json.length - shown.join('\n').length;
  const note = hidden > 0 ? [`… ${hidden} more characters of input`] : [];
  return [...shown, ...note].map((line) => `    ${line}\n`).join('');
}

function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, '·');
}

async function askConfirmation(conversation: Conversation): Promise<Answer> {
  for (;;) {
    const line = await conversation.ask(CONFIRMATION_QUESTION);
    if (line === null) return { kind: 'ended' };
    const answer = parseConfirmation(line);
    if (answer) return answer;
    conversation.show(CONFIRMATION_HELP);
  }
}

/** `a`, `allow`, `y`; `d`, `deny`, `n`, each with an optional message after it; `s`, `skip`. Else null. */
function parseConfirmation(line: string): Answer | null {
  const [word = '', ...rest] = line.trim().split(/\s+/);
  const message = line.trim().slice(word.length).trim();
  const verb = word.toLowerCase();
  if (DENY_WORDS.has(verb))
    return { kind: 'confirmation', decision: { result: 'deny', ...(message ? { deny_message: message } : {}) } };
  if (rest.length > 0) return null;
  if (ALLOW_WORDS.has(verb)) return { kind: 'confirmation', decision: { result: 'allow' } };
  return SKIP_WORDS.has(verb) ? { kind: 'skip' } : null;
}

/** A custom tool's result: one line of text, as typed; an empty line skips the call. */
async function askResult(conversation: Conversation, call: PendingCall): Promise<Answer> {
  const line = await conversation.ask(`result for ${call.name} (one line; empty to skip): `);
  if (line === null) return { kind: 'ended' };
  return line.trim() === '' ? { kind: 'skip' } : { kind: 'result', text: line };
}

function acknowledgement(answer: Answer): string {
  if (answer.kind === 'result') return 'result sent';
  return answer.kind === 'confirmation' && answer.decision.result === 'allow' ? 'allowed' : 'denied';
}
