/**
 * Answers that arrive before their call: a `user.custom_tool_result` or `user.tool_confirmation` naming an event the
 * session has not logged yet, sent while a turn runs (a model call or a tool step in flight could still log that
 * call). The typical sender is a client answering right after a worker restart: the restarted worker first runs the
 * killed worker's last workflow task again, and Temporal hands the workflow the answer (Update or signal) before the
 * activity result that logs and registers the call, in the same activation. Refusing it would lose a correct answer.
 *
 * Such an answer waits here until the call is registered (then it is applied as any answer, once) or until it can no
 * longer come: the turn stopped running (idle, requires_action without it, terminated) or the event of that id was
 * logged as something else. Then it is refused with the usual reason and nothing is logged. The event of an id and
 * the registration of its call happen in one flush of workflow microtasks, and conditions are checked only between
 * flushes, so the wait never sees the event logged without its call registered.
 *
 * An answer that is malformed, already answered, or names an event logged already is refused at once, as ever; so is
 * any answer while the session is idle: nothing would come to wait for. The wait is bounded by the turn.
 */
import { condition } from '@temporalio/workflow';

/** What an answer's kind (custom-tools.ts, tool-confirmations.ts) says about one: why it cannot apply, and its id. */
export interface AnswerChecks {
  /** Why `raw` cannot answer a waiting call now, or null when it can. */
  problemWith(raw: unknown): string | null;
  /** The stored id of the call `raw` answers, or null when `raw` is malformed. */
  answeredId(raw: unknown): string | null;
}

export class EarlyAnswers {
  private waiting = 0;

  constructor(
    /** Whether an answer naming event `id` (its stored form) may be early: the turn runs and `id` is not logged yet. */
    private readonly mayBeEarly: (id: string) => boolean,
  ) {}

  /** Whether any answer waits for its call: continue-as-new is put off until none does (it would end their wait). */
  get anyWaiting(): boolean {
    return this.waiting > 0;
  }

  /** For a validator: why `raw` is refused at once, or null when it can apply now or may be early (it then waits). */
  refusal(checks: AnswerChecks, raw: unknown): string | null {
    const problem = checks.problemWith(raw);
    return problem !== null && this.mayBeEarlyAnswer(checks, raw) ? null : problem;
  }

  /**
   * For a handler: why `raw` cannot apply (null: apply it now). Synchronous unless the answer is early, so answers
   * that are not run exactly as before; an early one resolves once its call came (null) or can no longer come.
   */
  settle(checks: AnswerChecks, raw: unknown): string | null | Promise<string | null> {
    const problem = checks.problemWith(raw);
    return problem !== null && this.mayBeEarlyAnswer(checks, raw) ? this.waitForCall(checks, raw) : problem;
  }

  private mayBeEarlyAnswer(checks: AnswerChecks, raw: unknown): boolean {
    const id = checks.answeredId(raw);
    return id !== null && this.mayBeEarly(id);
  }

  /** The stored form of an id is known only once its call is logged, so both checks are asked again each time. */
  private async waitForCall(checks: AnswerChecks, raw: unknown): Promise<string | null> {
    this.waiting++;
    try {
      await condition(() => checks.problemWith(raw) === null || !this.mayBeEarlyAnswer(checks, raw));
      return checks.problemWith(raw);
    } finally {
      this.waiting--;
    }
  }
}
