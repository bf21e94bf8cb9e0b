/**
 * Outcome events as readable lines, and the outcome part of the progress line. Pure, like render-event.ts:
 * the same events always give the same text.
 *
 * An outcome's evaluations are counted from 1 here ("evaluation 1 of 3"), as a person counts them; the events
 * carry the 0-based `iteration`, so evaluation n is iteration n - 1.
 */
import type { SessionEvent } from '../domain/events';
import type { CriterionVerdict, EvaluationResult } from '../domain/outcome';
import { oneLine, plural } from './text';

/** The events an outcome's grade-and-revise loop adds to a session's log. */
export type OutcomeEvent = Extract<
  SessionEvent,
  {
    type:
      | 'user.define_outcome'
      | 'span.outcome_evaluation_start'
      | 'span.outcome_evaluation_ongoing'
      | 'span.outcome_evaluation_end';
  }
>;

const OUTCOME_EVENT_TYPES: ReadonlySet<string> = new Set([
  'user.define_outcome',
  'span.outcome_evaluation_start',
  'span.outcome_evaluation_ongoing',
  'span.outcome_evaluation_end',
]);

/** True for the events of an outcome's loop, which {@link describeOutcomeEvent} renders. */
export function isOutcomeEvent(event: SessionEvent): event is OutcomeEvent {
  return OUTCOME_EVENT_TYPES.has(event.type);
}

/** Looks up how many evaluations an outcome allows; only `user.define_outcome` and evaluation ends say so. */
export type MaxIterationsLookup = (outcomeId: string) => number | undefined;

/**
 * The kind column and the text of an outcome event:
 * - `outcome  outcome outc_1 defined: Write report.md (max 3 evaluations)`
 * - `grader   grading outc_1 — evaluation 1 of 3`
 * - `grader   still grading outc_1 — evaluation 1 of 3`
 * - `grader   outc_1 evaluation 1 of 3: needs_revision — Only one risk is listed.`
 */
export function describeOutcomeEvent(
  event: OutcomeEvent,
  maxIterations: MaxIterationsLookup,
  maxTextLength: number,
): [kind: string, text: string] {
  switch (event.type) {
    case 'user.define_outcome': {
      const hidden = event.rubric_hidden ? ', rubric hidden from the agent' : '';
      const limit = `max ${plural(event.max_iterations, 'evaluation')}${hidden}`;
      return [
        'outcome',
        `outcome ${event.outcome_id} defined: ${oneLine(event.description, maxTextLength)} (${limit})`,
      ];
    }
    case 'span.outcome_evaluation_start':
      return [
        'grader',
        `grading ${event.outcome_id} — ${describeEvaluation(event.iteration, maxIterations(event.outcome_id))}`,
      ];
    case 'span.outcome_evaluation_ongoing':
      return [
        'grader',
        `still grading ${event.outcome_id} — ${describeEvaluation(event.iteration, maxIterations(event.outcome_id))}`,
      ];
    case 'span.outcome_evaluation_end': {
      const evaluation = describeEvaluation(event.iteration, event.max_iterations);
      return [
        'grader',
        `${event.outcome_id} ${evaluation}: ${event.result} — ${oneLine(event.explanation, maxTextLength)}`,
      ];
    }
  }
}

/** `evaluation 2 of 3` for the 0-based iteration 1; `evaluation 2` when the maximum is not known. */
export function describeEvaluation(iteration: number, maxIterations: number | null | undefined): string {
  return maxIterations ? `evaluation ${iteration + 1} of ${maxIterations}` : `evaluation ${iteration + 1}`;
}

/** One line per criterion of a verdict: `✓ The report has a title: has "# Risks"` (✗ when unmet). */
export function describeCriteria(criteria: readonly CriterionVerdict[], maxTextLength: number): string[] {
  return criteria.map((criterion) => {
    const mark = criterion.met ? '✓' : '✗';
    return oneLine(`${mark} ${criterion.criterion}: ${criterion.explanation}`, maxTextLength);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Progress: where the newest outcome stands
// ---------------------------------------------------------------------------------------------------------------

/** What the agent or the grader is doing about the outcome, or how its latest evaluation ended. */
export type OutcomePhase = 'working' | 'grading' | EvaluationResult;

/** The outcome part of the progress line. */
export interface OutcomeProgress {
  outcomeId: string;
  /** Null when the outcome's definition was not among the events seen (a log read from the middle). */
  maxIterations: number | null;
  /** 1-based: the evaluation under way, the one that just ended, or (while the agent first works) the next one. */
  evaluation: number;
  phase: OutcomePhase;
  /** When the current grading started (`processed_at` of its start event), to show how long it has taken. */
  gradingStartedAt: string | null;
  /** Seconds the current grading has taken, as of its latest heartbeat event. */
  gradingSeconds: number;
}

/** The outcome progress after one more outcome event. Only the newest outcome is shown: a new one replaces it. */
export function advanceOutcomeProgress(
  current: OutcomeProgress | null,
  event: OutcomeEvent,
  maxIterations: MaxIterationsLookup,
): OutcomeProgress {
  const base: OutcomeProgress =
    current?.outcomeId === event.outcome_id
      ? current
      : {
          outcomeId: event.outcome_id,
          maxIterations: maxIterations(event.outcome_id) ?? null,
          evaluation: 1,
          phase: 'working',
          gradingStartedAt: null,
          gradingSeconds: 0,
        };
  switch (event.type) {
    case 'user.define_outcome':
      return { ...base, maxIterations: event.max_iterations, evaluation: 1, phase: 'working' };
    case 'span.outcome_evaluation_start':
      return {
        ...base,
        evaluation: event.iteration + 1,
        phase: 'grading',
        gradingStartedAt: event.processed_at,
        gradingSeconds: 0,
      };
    case 'span.outcome_evaluation_ongoing':
      return {
        ...base,
        evaluation: event.iteration + 1,
        phase: 'grading',
        gradingSeconds: secondsBetween(base.gradingStartedAt, event.processed_at),
      };
    case 'span.outcome_evaluation_end':
      return {
        ...base,
        maxIterations: event.max_iterations,
        evaluation: event.iteration + 1,
        phase: event.result,
        gradingStartedAt: null,
      };
  }
}

/** `outcome: evaluation 1 of 3 · grading 10s`, `outcome: evaluation 1 of 3 · needs_revision, agent revising`. */
export function renderOutcomeProgress(progress: OutcomeProgress): string {
  return `outcome: ${describeEvaluation(progress.evaluation - 1, progress.maxIterations)} · ${describePhase(progress)}`;
}

function describePhase(progress: OutcomeProgress): string {
  switch (progress.phase) {
    case 'working':
      return 'agent working';
    case 'grading':
      return progress.gradingSeconds > 0 ? `grading ${progress.gradingSeconds}s` : 'grading';
    case 'needs_revision':
      return 'needs_revision, agent revising';
    default:
      return progress.phase; // a final result, in the API's own words
  }
}

function secondsBetween(start: string | null, end: string): number {
  if (start === null) return 0;
  const milliseconds = Date.parse(end) - Date.parse(start);
  return Number.isFinite(milliseconds) && milliseconds > 0 ? Math.round(milliseconds / 1000) : 0;
}
