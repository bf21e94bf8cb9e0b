import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/**
 * How long one list_files or grep call may work, and how it shares the worker meanwhile. The search gives the event
 * loop back every few milliseconds, so heartbeats, other sessions' activities and workflow tasks on the same worker
 * keep running; once the time is spent the search stops and says so, instead of holding the activity slot.
 *
 * Use: `if (budget.due() && !(await budget.pause())) stop();` between units of work. `due()` is a clock read, cheap
 * enough per line; awaiting only when it is true keeps a microtask per line off the hot path.
 */
export const MAX_SEARCH_MS = 10_000;
/** Longest stretch of synchronous work between two yields. */
const SLICE_MS = 10;

export class WorkBudget {
  private readonly deadline: number;
  private sliceEnd: number;
  /** Whether a pause found the whole budget spent: the search stopped early. */
  exhausted = false;

  constructor(
    private readonly signal?: AbortSignal,
    limitMs = MAX_SEARCH_MS,
  ) {
    const now = performance.now();
    this.deadline = now + limitMs;
    this.sliceEnd = now + SLICE_MS;
  }

  /** Whether the current slice is used up. */
  due(): boolean {
    return performance.now() >= this.sliceEnd;
  }

  /** Yields to the event loop (honouring cancellation); false once the whole budget is spent. */
  async pause(): Promise<boolean> {
    await yieldToEventLoop();
    this.signal?.throwIfAborted();
    const now = performance.now();
    this.sliceEnd = now + SLICE_MS;
    if (now >= this.deadline) this.exhausted = true;
    return !this.exhausted;
  }
}
