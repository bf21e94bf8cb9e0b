/**
 * Reviewing a dream's changes at a terminal: each pending change is shown (operation, rationale, evidence,
 * diff) and the reviewer answers approve, reject, skip or quit. The loop only collects decisions; the caller
 * sends them, so quitting (or Ctrl-C) half-way never leaves a decision half-sent.
 */
import readline from 'node:readline';
import type { DreamChange } from '../domain/dream';
import type { InputStream } from './command';
import type { PrinterStream } from './event-printer';
import { renderChange } from './render-dream';

/** A decision on one change. */
export interface ChangeVerdict {
  change_id: string;
  decision: 'approved' | 'rejected';
}

/** How the review talks to the reviewer; a terminal in real use, a script in tests. */
export interface ReviewConversation {
  show(text: string): void;
  /** Asks and waits for one line; null once the input has ended (Ctrl-D). */
  ask(question: string): Promise<string | null>;
}

/** What the reviewer decided, and whether they stopped before the last change. */
export interface InteractiveReviewResult {
  verdicts: ChangeVerdict[];
  skipped: string[];
  quit: boolean;
}

const ANSWERS: Record<string, 'approve' | 'reject' | 'skip' | 'quit'> = {
  a: 'approve',
  approve: 'approve',
  r: 'reject',
  reject: 'reject',
  s: 'skip',
  skip: 'skip',
  q: 'quit',
  quit: 'quit',
};

/** Walks through `changes` in order, asking for a decision on each until the reviewer quits or none are left. */
export async function reviewInteractively(
  changes: readonly DreamChange[],
  conversation: ReviewConversation,
): Promise<InteractiveReviewResult> {
  const result: InteractiveReviewResult = { verdicts: [], skipped: [], quit: false };
  for (const [index, change] of changes.entries()) {
    conversation.show(`\n${renderChange(change).join('\n')}\n`);
    const answer = await askUntilUnderstood(
      conversation,
      `[${index + 1}/${changes.length}] ${change.id}: approve, reject, skip or quit? [a/r/s/q] `,
    );
    if (answer === 'quit') {
      result.quit = true;
      result.skipped.push(...changes.slice(index).map((rest) => rest.id));
      break;
    }
    if (answer === 'skip') result.skipped.push(change.id);
    else result.verdicts.push({ change_id: change.id, decision: answer === 'approve' ? 'approved' : 'rejected' });
  }
  return result;
}

/** Asks again until the answer is one of a/r/s/q (or a word for one); the end of input counts as quit. */
async function askUntilUnderstood(
  conversation: ReviewConversation,
  question: string,
): Promise<'approve' | 'reject' | 'skip' | 'quit'> {
  for (;;) {
    const line = await conversation.ask(question);
    if (line === null) return 'quit';
    const answer = ANSWERS[line.trim().toLowerCase()];
    if (answer) return answer;
    conversation.show('please answer a (approve), r (reject), s (skip) or q (quit)\n');
  }
}

/**
 * A conversation over a terminal: questions are written to `output`, answers read a line at a time from
 * `input` (in the terminal's own line mode, which echoes what is typed). `close()` releases the input.
 */
export function terminalConversation(
  input: InputStream,
  output: PrinterStream,
): ReviewConversation & { close(): void } {
  const lines = readline.createInterface({ input, terminal: false });
  const iterator = lines[Symbol.asyncIterator]();
  return {
    show: (text) => void output.write(text),
    async ask(question) {
      output.write(question);
      const next = await iterator.next();
      return next.done ? null : next.value;
    },
    close: () => lines.close(),
  };
}
