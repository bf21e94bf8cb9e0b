/**
 * The one-line summary a session's workflow gets when it starts (Temporal's `staticSummary`), so each row of the
 * Temporal UI's workflow list says what it is: the agent and the first words of its task.
 */

/** Longest task excerpt in a summary; the UI list shows about this much. */
const MAX_TASK_CHARACTERS = 80;

/** `scribe: Read the meeting notes in this workspace and write summary.md with a bullet list of…` */
export function sessionSummary(agentName: string, task: string): string {
  const words = task.trim().split(/\s+/).filter(Boolean);
  let excerpt = '';
  for (const word of words) {
    const next = excerpt ? `${excerpt} ${word}` : word;
    if (Array.from(next).length > MAX_TASK_CHARACTERS) {
      // A first word longer than the whole excerpt is cut; otherwise the excerpt ends at a word.
      excerpt = excerpt || Array.from(word).slice(0, MAX_TASK_CHARACTERS).join('');
      return `${agentName}: ${excerpt}…`;
    }
    excerpt = next;
  }
  return `${agentName}: ${excerpt}`;
}
