/**
 * What the agent reads about an outcome. Both texts are derived from events, so the transcript rebuilt from
 * the log always matches what the agent saw.
 */
import type { SessionEventBody } from './events';

type DefineOutcome = Extract<SessionEventBody, { type: 'user.define_outcome' }>;
type EvaluationEnd = Extract<SessionEventBody, { type: 'span.outcome_evaluation_end' }>;

/** The task brief: the description, and the rubric unless it is hidden from the agent. */
export function outcomeBrief(event: DefineOutcome): string {
  const lines = [
    `Outcome ${event.outcome_id}: produce the following. An independent grader will check your deliverables ` +
      `(your final message and the workspace) and may send feedback for up to ${event.max_iterations} evaluations.`,
    '',
    'Description:',
    event.description,
  ];
  if (!event.rubric_hidden) {
    lines.push('', 'Rubric the grader applies:');
    lines.push(event.rubric.type === 'text' ? event.rubric.content : `(in the workspace file ${event.rubric.path})`);
  }
  return lines.join('\n');
}

/** Feedback a `needs_revision` or `max_iterations_reached` evaluation sends the agent, attributed to the grader. */
export function graderFeedback(event: EvaluationEnd): string | null {
  if (event.result !== 'needs_revision' && event.result !== 'max_iterations_reached') return null;
  const unmet = event.criteria.filter((criterion) => !criterion.met);
  const lines = [
    `[Grader feedback on outcome ${event.outcome_id}, evaluation ${event.iteration + 1} of ${event.max_iterations}]`,
    event.explanation,
  ];
  if (unmet.length > 0) {
    lines.push('', 'Criteria not yet met:');
    for (const criterion of unmet) lines.push(`- ${criterion.criterion}: ${criterion.explanation}`);
  }
  lines.push(
    '',
    event.result === 'needs_revision'
      ? 'Revise your deliverables to meet these criteria, then end your turn; the grader will check again.'
      : 'No evaluations are left. Reply with a short final message that states which criteria are still unmet; do not start new work.',
  );
  return lines.join('\n');
}
