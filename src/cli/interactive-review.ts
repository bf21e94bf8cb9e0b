/**
 * Reviewing a dream's changes at a terminal: each pending change is shown (operation, rationale, evidence,
 * diff) and the reviewer answers approve, reject, skip or quit. The loop only collects decisions; the caller
 * sends them, so quitting (or Ctrl-C) half-way never leaves a decision half-sent.
 */
import type { DreamChange } from '../domain/dream';
import type { Conversation } from './conversation';
import { renderChange } from './render-dream';

export { terminalConversation } from './conversation';

/** A decision on one change. */
export interface ChangeVerdict {
  change_id: string;
  decision: 'approved' | 'rejected';
}

/** How the review talks to the reviewer; a terminal in real use, a script in tests. */
export type ReviewConversation = Conversation;

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
