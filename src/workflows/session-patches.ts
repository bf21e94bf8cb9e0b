/**
 * Which workflow patches a session run has, decided once, in the run's first activation.
 *
 * Why not `patched()` where each change is: when the worker answers a query while a local activity finishes, the
 * SDK (@temporalio 1.24.0) completes the workflow task with the activity's marker, asks the server for a new task,
 * and hands the workflow the activity's result only in that new task. Replay hands the result over a task early, in
 * the first one, before the SDK has announced the patch markers that the new task recorded. So a `patched()` first
 * called after a local activity returned true live and returns false on replay, and the replay fails ("Non-deprecated
 * patch marker encountered ..."): the lead's status polls hit this on the first task's workspace step
 * (test/workflows/query-during-local-activity.test.ts). In the first activation every marker of the first task is
 * known, whatever splits the tasks after it.
 */
import { patched } from '@temporalio/workflow';
import { SHELL_AFFINITY_PATCH } from './shell-affinity';

/**
 * Runs from this patch on decide here, at their start, that every earlier patch is in effect, and record this one
 * marker instead of one per patch where its change is. Runs recorded before it check each patch where it always was.
 */
export const PATCHES_AT_START_PATCH = 'patches-decided-at-start';

/**
 * Calls of tools whose policy is `auto` are judged by a separate model call (./permission-judge.ts); runs from before
 * it ran them as always_allow, and replay keeps them so.
 */
export const AUTO_PERMISSION_JUDGE_PATCH = 'auto-permission-judge';

/**
 * An answer (a custom tool result or a confirmation) naming an event not logged yet, sent while a turn runs, waits
 * for that call instead of being refused (./early-answers.ts); runs from before it refused such answers at once.
 */
export const EARLY_ANSWERS_PATCH = 'answers-wait-for-their-calls';

export class SessionPatches {
  private constructor(
    private readonly decidedAtStart: boolean,
    /** Whether `auto` calls are judged ({@link AUTO_PERMISSION_JUDGE_PATCH}), decided at start like the rest. */
    readonly judgesAutoCalls: boolean,
    /** `bash` calls go to the worker holding the session's shell (shell-affinity.ts). */
    readonly shellAffinity: boolean,
    /** Answers sent before their call may wait for it ({@link EARLY_ANSWERS_PATCH}). */
    readonly earlyAnswersWait: boolean,
  ) {}

  /**
   * Call at the very start of the workflow function, before anything awaits. A later patch is decided here too (one
   * more `patched()` call, kept in a field), never where its change is.
   */
  static decide(): SessionPatches {
    const decidedAtStart = patched(PATCHES_AT_START_PATCH);
    return new SessionPatches(
      decidedAtStart,
      patched(AUTO_PERMISSION_JUDGE_PATCH),
      patched(SHELL_AFFINITY_PATCH),
      patched(EARLY_ANSWERS_PATCH),
    );
  }

  /** Whether the change behind a patch from before `patches-decided-at-start` applies. */
  has(patch: string): boolean {
    return this.decidedAtStart || patched(patch);
  }
}
