/**
 * The grade-and-revise loop of outcomes, as deterministic workflow code. When the agent ends its turn with an
 * outcome active, a separate grader (its own activity, its own context) checks the deliverables; `needs_revision`
 * sends the agent back to work with the grader's feedback, until the rubric is satisfied or the budget runs out.
 */
import { CancellationScope, condition, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureCause } from '../domain/failure-cause';
import { randomIdBody } from '../domain/ids';
import {
  OutcomeDefinitionSchema,
  TERMINAL_OUTCOME_STATES,
  type CriterionVerdict,
  type EvaluationResult,
  type OutcomeDefinition,
  type OutcomeEvaluation,
  type OutcomeState,
} from '../domain/outcome';
import { describeIssues } from '../domain/session-input';
import { addUsage, ZERO_USAGE, type Usage } from '../domain/usage';
import type { AcceptedEvent } from './api/session-api';
import type { EventLog } from './event-log';
import type { SessionState } from './session-state';

/** One outcome of the session and where its loop stands. */
export interface OutcomeRecord {
  id: string;
  definition: OutcomeDefinition;
  /** The rubric the grader applies; a file rubric is read once, when the outcome is accepted. */
  rubricText: string;
  evaluation: OutcomeEvaluation;
  /** After `max_iterations_reached` the agent gets one last turn to acknowledge, with no evaluation after it. */
  finalTurnPending: boolean;
}

/** Up to 12 streamed grader requests plus read-only tools; heartbeats every 2 s, so a lost worker shows in 10 s. */
const GRADER_ACTIVITY = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '60 seconds', maximumAttempts: 5 },
} as const;

const { gradeOutcome } = proxyActivities<Activities>(GRADER_ACTIVITY);
const { resolveRubric } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 5 },
});

/** How often `span.outcome_evaluation_ongoing` is emitted while the grader works. */
export const EVALUATION_HEARTBEAT_MS = 5_000;

export interface OutcomeLoopHooks {
  log: EventLog;
  persist(): Promise<void>;
  interruptRequested(): boolean;
  /** Reports input that could not be accepted as a visible session.error. */
  reportInvalid(message: string): void;
}

export class OutcomeLoop {
  /** Outcomes queued by the `user.define_outcome` update, each with its echo event once it has been accepted. */
  private readonly awaited = new Map<OutcomeDefinition, AcceptedEvent | null>();

  constructor(
    private readonly state: SessionState,
    private readonly hooks: OutcomeLoopHooks,
  ) {}

  /** Queues an outcome sent by signal; it is accepted at the next safe point of the loop. */
  queue(raw: unknown): void {
    const parsed = OutcomeDefinitionSchema.safeParse(raw);
    if (!parsed.success) {
      this.hooks.reportInvalid(`invalid user.define_outcome: ${describeIssues(parsed.error)}`);
      return;
    }
    this.state.pendingOutcomes.push(parsed.data);
  }

  /** Why an outcome sent by update cannot be queued (the update's validator rejects it), or null when it can. */

  /**
   * Queues an outcome sent by update (already validated) and waits until the loop accepts it, for its echo event;
   * null when the session ended first.
   */
  async queueAndAwait(raw: unknown, ended: () => boolean): Promise<AcceptedEvent | null> {
    const definition = OutcomeDefinitionSchema.parse(raw);
    this.awaited.set(definition, null);
    this.state.pendingOutcomes.push(definition);
    await condition(() => this.awaited.get(definition) !== null || ended());
    const accepted = this.awaited.get(definition) ?? null;
    this.awaited.delete(definition);
    return accepted;
  }

  /** An update waits for an outcome to be accepted: the session must not continue-as-new before it is. */
  hasAwaitedOutcomes(): boolean {
    return this.awaited.size > 0;
  }

  hasPending(): boolean {
    return this.state.pendingOutcomes.length > 0;
  }

  /** Accepts queued outcomes: assigns the `outc_` id, reads a file rubric, echoes `user.define_outcome`. */
  async acceptPending(): Promise<void> {
    while (this.state.pendingOutcomes.length > 0) {
      const definition = this.state.pendingOutcomes.shift() as OutcomeDefinition;
      const rubric = await resolveRubric({ workspace: this.state.workspace, rubric: definition.rubric });
      this.endActive('interrupted', 'superseded by a newer outcome');
      const id = `outc_${randomIdBody(Math.random)}`;
      const echo = this.hooks.log.emit({
        type: 'user.define_outcome',
        outcome_id: id,
        description: definition.description,
        rubric: definition.rubric,
        max_iterations: definition.max_iterations,
        rubric_hidden: definition.hide_rubric,
      });
      if (this.awaited.has(definition)) this.awaited.set(definition, { event_id: echo.id, seq: echo.seq });
      const record: OutcomeRecord = {
        id,
        definition,
        rubricText: rubric.ok ? rubric.text : '',
        finalTurnPending: false,
        evaluation: {
          type: 'outcome_evaluation',
          outcome_id: id,
          description: definition.description,
          result: 'pending',
          iteration: 0,
          max_iterations: definition.max_iterations,
          explanation: null,
          completed_at: null,
        },
      };
      this.state.outcomes.push(record);
      if (!rubric.ok) this.finish(record, 'failed', rubric.error);
      this.state.userMessagePending = true; // the agent starts (or continues) work on it
    }
  }

  /** The agent is working: a pending outcome is now running. */
  onWorkStarted(): void {
    const active = this.active();
    if (active && active.evaluation.result === 'pending') active.evaluation.result = 'running';
  }

  /** An interrupt while the agent worked ends the active outcome. */
  onInterrupted(): void {
    this.endActive('interrupted', 'interrupted by the user while the agent was working');
  }

  /**
   * Called when the agent ended its turn. Returns 'revise' when the agent must work again (feedback or the final
   * acknowledgement turn), 'idle' when the session can go idle.
   */
  async afterTurn(deliverable: string | null): Promise<'revise' | 'idle'> {
    const active = this.active();
    if (!active) return 'idle';
    if (active.finalTurnPending) {
      active.finalTurnPending = false;
      return 'idle';
    }
    const result = await this.evaluate(active, deliverable);
    if (result === 'needs_revision') {
      active.evaluation.iteration++;
      active.evaluation.result = 'running';
      return 'revise';
    }
    if (result === 'max_iterations_reached') {
      active.finalTurnPending = true;
      return 'revise';
    }
    return 'idle';
  }

  evaluations(): OutcomeEvaluation[] {
    return this.state.outcomes.map((record) => ({ ...record.evaluation }));
  }

  graderUsage(): Usage {
    return this.state.graderUsage;
  }

  /** The outcome the loop is working on: the newest one that has no final result yet (or owes its last turn). */
  private active(): OutcomeRecord | undefined {
    const newest = this.state.outcomes[this.state.outcomes.length - 1];
    if (!newest) return undefined;
    return !TERMINAL_OUTCOME_STATES.has(newest.evaluation.result) || newest.finalTurnPending ? newest : undefined;
  }

  private endActive(result: OutcomeState, explanation: string): void {
    const active = this.active();
    if (active && !TERMINAL_OUTCOME_STATES.has(active.evaluation.result)) this.finish(active, result, explanation);
    if (active) active.finalTurnPending = false;
  }

  private finish(record: OutcomeRecord, result: OutcomeState, explanation: string): void {
    record.evaluation.result = result;
    record.evaluation.explanation = explanation;
    record.evaluation.completed_at = new Date().toISOString();
  }

  /** One grading: its own activity, named in the UI, with heartbeat events and an interrupt that cancels it. */
  private async evaluate(record: OutcomeRecord, deliverable: string | null): Promise<EvaluationResult> {
    const iteration = record.evaluation.iteration;
    const start = this.hooks.log.emit({ type: 'span.outcome_evaluation_start', outcome_id: record.id, iteration });
    record.evaluation.result = 'evaluating';
    await this.hooks.persist();

    const graded = await this.runGrader(record, deliverable);
    let result: EvaluationResult = graded.result;
    if (result === 'needs_revision' && iteration + 1 >= record.definition.max_iterations)
      result = 'max_iterations_reached';
    this.state.graderUsage = addUsage(this.state.graderUsage, graded.usage);
    this.hooks.log.emit({
      type: 'span.outcome_evaluation_end',
      outcome_evaluation_start_id: start.id,
      outcome_id: record.id,
      iteration,
      result,
      explanation: graded.explanation,
      criteria: graded.criteria,
      max_iterations: record.definition.max_iterations,
      usage: graded.usage,
    });
    if (result === 'needs_revision') record.evaluation.explanation = graded.explanation;
    else this.finish(record, result, graded.explanation);
    await this.hooks.persist();
    return result;
  }

  private async runGrader(
    record: OutcomeRecord,
    deliverable: string | null,
  ): Promise<{ result: EvaluationResult; explanation: string; criteria: CriterionVerdict[]; usage: Usage }> {
    const iteration = record.evaluation.iteration;
    const scope = new CancellationScope();
    let settled = false;
    const grading = scope
      .run(() =>
        gradeOutcome.executeWithOptions({ ...GRADER_ACTIVITY, summary: `grade ${record.id} iteration ${iteration}` }, [
          {
            sessionId: this.state.sessionId,
            outcomeId: record.id,
            iteration,
            description: record.definition.description,
            rubricText: record.rubricText,
            deliverable,
            workspace: this.state.workspace,
            model: record.definition.grader_model ?? this.state.agent.model,
          },
        ]),
      )
      .finally(() => (settled = true));

    while (!settled) {
      const woke = await condition(() => settled || this.hooks.interruptRequested(), EVALUATION_HEARTBEAT_MS);
      if (settled) break;
      if (this.hooks.interruptRequested()) {
        scope.cancel();
        break;
      }
      if (!woke) this.hooks.log.emit({ type: 'span.outcome_evaluation_ongoing', outcome_id: record.id, iteration });
    }

    try {
      const graded = await grading;
      if (!graded.verdict) {
        return {
          result: 'grader_error',
          explanation: `grader error: ${graded.error ?? 'no verdict'}`,
          criteria: [],
          usage: graded.usage,
        };
      }
      return {
        result: graded.verdict.result,
        explanation: graded.verdict.explanation,
        criteria: graded.verdict.criteria,
        usage: graded.usage,
      };
    } catch (error) {
      if (isCancellation(error)) {
        return {
          result: 'interrupted',
          explanation: 'interrupted by the user while the grader was working',
          criteria: [],
          usage: ZERO_USAGE,
        };
      }
      const { message } = failureCause(error);
      return { result: 'grader_error', explanation: `grader error: ${message}`, criteria: [], usage: ZERO_USAGE };
    }
  }
}

/** Why an outcome definition sent by a caller is invalid, or null. */
export function outcomeProblem(raw: unknown): string | null {
  const parsed = OutcomeDefinitionSchema.safeParse(raw);
  return parsed.success ? null : `invalid user.define_outcome: ${describeIssues(parsed.error)}`;
}
