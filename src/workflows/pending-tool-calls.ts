/**
 * Tool calls waiting for a user's answer, and the session's wait for them: the Managed Agents `requires_action`.
 * A call is registered under the id of the event that asks the user (an `agent.custom_tool_use`, or a tool use
 * awaiting `user.tool_confirmation`, tool-confirmations.ts) and ends in exactly one of three ways: the
 * user's answer, a cancellation (an interrupt), or the time limit. While any call of a model turn is open the
 * session is idle with `requires_action` naming every open call; each answer that leaves some open names the rest
 * again (as the API does), and once none is open the session runs on and every call gets its outcome.
 *
 * Deterministic workflow code: the only timer is the `condition` timeout of the earliest deadline. A session
 * owns one instance for all kinds of waiting call, so one `requires_action` lists them all (make `Answer` a union).
 */
import { condition } from '@temporalio/workflow';
import type { TextBlock } from '../domain/events';

/** What a user answers a waiting call with: a custom tool's result (custom-tools.ts) or a confirmation. */
export type UserAnswer =
  | { kind: 'custom_tool_result'; content: TextBlock[]; is_error: boolean }
  | { kind: 'tool_confirmation'; result: 'allow' | 'deny'; deny_message?: string };

/** How a waiting call ended. */
export type PendingOutcome<Answer> =
  | { kind: 'answered'; answer: Answer }
  /** The turn was interrupted (or the session archived) before the user answered. */
  | { kind: 'cancelled' }
  /** No answer came within the time limit. */
  | { kind: 'timed_out'; waited_seconds: number };

/** What the session does when the wait starts, changes and ends. */
export interface WaitHooks {
  /** Calls wait for the user (all of them named, in the order they were registered): go idle, requires_action. */
  waiting(eventIds: string[]): Promise<void>;
  /** No call waits any longer: run on. Called before any call learns its outcome. */
  resumed(): void;
}

interface OpenCall<Answer> {
  deadline: number;
  limitMs: number;
  deliver: (outcome: PendingOutcome<Answer>) => void;
  fail: (error: unknown) => void;
}

export class PendingToolCalls<Answer> {
  private readonly open = new Map<string, OpenCall<Answer>>();
  /** Outcomes of the current wait, handed out once it ends (so `resumed` comes first). */
  private readonly ended: Array<[OpenCall<Answer>, PendingOutcome<Answer>]> = [];
  /** Why calls of this run are no longer open, for a clear refusal of a late or repeated answer. */
  private readonly closed = new Map<string, string>();
  private waitRunning = false;
  /** Set whenever the open set changes, so the wait names the calls again. */
  private changed = false;

  constructor(
    private readonly hooks: WaitHooks,
    /** The longest a call waits for its answer, in milliseconds. */
    private readonly limitMs: number,
  ) {}

  /** Registers the call `eventId` (waiting at most `limitMs`, else the instance's limit); resolves with how it ended. */
  wait(eventId: string, limitMs = this.limitMs): Promise<PendingOutcome<Answer>> {
    const outcome = new Promise<PendingOutcome<Answer>>((deliver, fail) =>
      this.open.set(eventId, { deadline: Date.now() + limitMs, limitMs, deliver, fail }),
    );
    this.changed = true;
    if (!this.waitRunning) {
      this.waitRunning = true;
      // A failed hook (its storage activity out of retries) fails every call, so the turn fails as it would anyway.
      this.runWait().catch((error: unknown) => this.failAll(error));
    }
    return outcome;
  }

  /** Whether any call waits for the user. */
  get isWaiting(): boolean {
    return this.open.size > 0;
  }

  /** The ids of the calls that wait, in the order they were registered. */
  openIds(): string[] {
    return [...this.open.keys()];
  }

  /** Why an answer to `eventId` cannot be taken now, or null when it can. */
  problemWith(eventId: string): string | null {
    if (this.open.has(eventId)) return null;
    const why = this.closed.get(eventId);
    if (why) return `${eventId} ${why}; nothing was changed`;
    const waiting = this.openIds();
    const expected = waiting.length ? `the calls waiting are ${waiting.join(', ')}` : 'no call is waiting';
    return `no call waits for an answer under ${eventId} (${expected}); nothing was changed`;
  }

  /** The user's answer to `eventId` (check {@link problemWith} first). */
  answer(eventId: string, answer: Answer): void {
    this.close(eventId, { kind: 'answered', answer }, 'has been answered already');
  }

  /** Ends every waiting call as cancelled (an interrupt). */
  cancelAll(): void {
    for (const eventId of this.openIds()) this.close(eventId, { kind: 'cancelled' }, 'was cancelled by an interrupt');
  }

  private close(eventId: string, outcome: PendingOutcome<Answer>, why: string): void {
    const call = this.open.get(eventId);
    if (!call) return;
    this.open.delete(eventId);
    this.closed.set(eventId, why);
    this.ended.push([call, outcome]);
    this.changed = true;
  }

  private async runWait(): Promise<void> {
    // Let the other calls of the same model turn register first: they do within this activation.
    await Promise.resolve();
    while (this.open.size > 0) {
      this.changed = false;
      await this.hooks.waiting(this.openIds());
      // Every call may have been answered while the hook stored the wait (an early answer, early-answers.ts, comes
      // right then): no deadline is left to wait for.
      if (this.open.size === 0) continue;
      const deadline = Math.min(...[...this.open.values()].map((call) => call.deadline));
      const remaining = deadline - Date.now();
      if (remaining > 0 && (await condition(() => this.changed, remaining))) continue;
      this.closeOverdue();
    }
    this.waitRunning = false;
    this.hooks.resumed();
    for (const [call, outcome] of this.ended.splice(0)) call.deliver(outcome);
  }

  private failAll(error: unknown): void {
    this.waitRunning = false;
    const calls = [...this.open.values(), ...this.ended.splice(0).map(([call]) => call)];
    this.open.clear();
    for (const call of calls) call.fail(error);
  }

  private closeOverdue(): void {
    const now = Date.now();
    for (const [eventId, call] of [...this.open]) {
      if (call.deadline > now) continue;
      const outcome = { kind: 'timed_out' as const, waited_seconds: Math.round(call.limitMs / 1000) };
      this.close(eventId, outcome, `got no answer within ${outcome.waited_seconds} s and was ended`);
    }
  }
}
