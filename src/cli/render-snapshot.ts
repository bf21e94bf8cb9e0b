/** A session snapshot as a short readable block, for `lucid status`, the end of `lucid run` and the demo. */
import type { SessionErrorObject, SessionSnapshot } from '../domain/events';
import type { OutcomeEvaluation } from '../domain/outcome';
import type { Usage } from '../domain/usage';
import { describeStopReason, totalInputTokens } from './render-event';
import { describeEvaluation } from './render-outcome';
import { formatCount, oneLine } from './text';

export interface RenderSnapshotOptions {
  /** The Temporal execution status (RUNNING, COMPLETED, FAILED, ...), when known. */
  executionStatus?: string;
}

/** Longest outcome description or explanation shown in the outcomes block. */
const MAX_OUTCOME_TEXT = 300;
/** Longest error message shown on the error row. */
const MAX_ERROR_TEXT = 500;

/**
 * ```
 * session    sesn_…
 * agent      scribe
 * status     terminated · stop reason end_turn
 * turns      4 model requests, 31 events
 * tokens     in 5,913 (cached 4,362, cache writes 1,551) · out 348
 * grader     in 2,210 (cached 0, cache writes 2,210) · out 96
 * ...
 * outcomes:
 *   outc_…  satisfied · evaluation 2 of 3 · Write report.md about project risks
 *           All criteria met.
 * final message:
 *   Done: …
 * ```
 * A session a terminal error ended has `stop reason error` and an `error` row under the status with the error.
 * The `grader` row (the outcome grader's tokens, counted apart from the agent's) and the outcomes block appear
 * only when the session has outcomes.
 */
export function renderSnapshot(snapshot: SessionSnapshot, options: RenderSnapshotOptions = {}): string {
  // Snapshots stored before outcomes existed have neither field.
  const evaluations = snapshot.outcome_evaluations ?? [];
  const rows: Array<[string, string]> = [
    ['session', snapshot.session_id],
    ['agent', snapshot.agent],
    [
      'status',
      snapshot.stop_reason
        ? `${snapshot.status} · stop reason ${describeStopReason(snapshot.stop_reason)}`
        : snapshot.status,
    ],
  ];
  if (snapshot.error) rows.push(['error', describeError(snapshot.error)]);
  if (options.executionStatus) rows.push(['workflow', options.executionStatus]);
  rows.push(
    ['turns', `${snapshot.turns} model request${snapshot.turns === 1 ? '' : 's'}, ${snapshot.event_count} events`],
    ['tokens', describeTokens(snapshot.usage)],
  );
  if (evaluations.length > 0 && snapshot.grader_usage) rows.push(['grader', describeTokens(snapshot.grader_usage)]);
  rows.push(['workspace', snapshot.workspace], ['created', snapshot.created_at], ['updated', snapshot.updated_at]);
  const table = rows.map(([label, value]) => `${label.padEnd(10)} ${value}`).join('\n');
  const outcomes = evaluations.length > 0 ? `\noutcomes:\n${evaluations.map(describeOutcome).join('\n')}` : '';
  const finalMessage = snapshot.final_message === null ? '  (none)' : indent(snapshot.final_message.trimEnd());
  return `${table}${outcomes}\nfinal message:\n${finalMessage}`;
}

/** `model_request_failed_error (terminal): 400 max_tokens: too large`, as the event line says it. */
function describeError(error: SessionErrorObject): string {
  return `${error.type} (${error.retry_status.type}): ${oneLine(error.message, MAX_ERROR_TEXT)}`;
}

/** `in 5,913 (cached 4,362, cache writes 1,551) · out 348` */
function describeTokens(usage: Usage): string {
  return (
    `in ${formatCount(totalInputTokens(usage))} (cached ${formatCount(usage.cache_read_input_tokens)}, ` +
    `cache writes ${formatCount(usage.cache_creation_input_tokens)}) · out ${formatCount(usage.output_tokens)}`
  );
}

/**
 * Two lines: the outcome's state, the evaluation it is on (or ended at) and its description; then the latest
 * explanation, aligned under the state.
 */
function describeOutcome(evaluation: OutcomeEvaluation): string {
  const head = `  ${evaluation.outcome_id}  `;
  const state = `${evaluation.result} · ${describeEvaluation(evaluation.iteration, evaluation.max_iterations)}`;
  const line = `${head}${state} · ${oneLine(evaluation.description, MAX_OUTCOME_TEXT)}`;
  if (!evaluation.explanation) return line;
  return `${line}\n${' '.repeat(head.length)}${oneLine(evaluation.explanation, MAX_OUTCOME_TEXT)}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}
