/**
 * Compaction, the workflow's part: before a model call whose request is estimated above the compaction trigger,
 * the `compactContext` activity summarises the older conversation and the workflow records the summary as an
 * `agent.thread_context_compacted` event, which the transcript then starts from. The workflow is the log's only
 * author: the activity returns the summary and writes no event, so a retried activity (a lost worker) makes it
 * again and nothing is doubled. Model errors of the summary call are retried here, as `callModel`'s are in
 * agent-session.ts, each attempt visible as a `session.error`.
 */
import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CompactContextInput, CompactContextResult } from '../activities/compaction';
import { contextManagementOf, contextWindowOf } from '../domain/context-window';
import type { SessionErrorObject } from '../domain/events';
import { textBlocks } from '../domain/events';
import type { EventLog } from './event-log';
import type { SessionPatches } from './session-patches';
import type { SessionState } from './session-state';

/**
 * Sessions from this patch on compact their context when clearing old tool results is not enough. Sessions
 * recorded before it never ran `compactContext`, and replay without it.
 */
export const CONTEXT_COMPACTION_PATCH = 'context-compaction';

const COMPACTION_ACTIVITY = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  // As for callModel: model API errors come back non-retryable and are retried below; this covers lost workers.
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
} as const;
const { compactContext } = proxyActivities<Activities>(COMPACTION_ACTIVITY);

/** Model requests kept whole after the summary, when they fit. */
const KEEP_TURNS = 2;

/** What the next model call sends, as the compaction activity needs it to measure that request. */
export type ModelRequestFields = Omit<
  CompactContextInput,
  'throughSeq' | 'events' | 'context_window' | 'trigger_tokens' | 'keep_turns' | 'instructions'
>;

/** A failure of one summary call, as agent-session.ts classifies model failures. */
export interface ModelFailureView {
  retryable: boolean;
  error: Omit<SessionErrorObject, 'retry_status'>;
  retryAfterMs: number | null;
}

export interface CompactionDeps {
  log: EventLog;
  state: SessionState;
  request: () => ModelRequestFields;
  /** The context tracker's verdict: clearing cannot bring the next request under compaction's trigger. */
  needsCompaction: () => boolean;
  /** Tells the tracker what the next request holds, as measured, and what a summary replaced. */
  measured: (tokens: number, compactedThroughSeq?: number) => void;
  describeFailure: (error: unknown) => ModelFailureView;
  /** How long to wait before attempt `attempt + 1`; an interrupt cuts the wait short. */
  retryDelay: (attempt: number, failure: ModelFailureView) => number;
  maxAttempts: number;
  patches: SessionPatches;
}

/** `ok`: the model call may go ahead; otherwise how the turn ends (the error event is already in the log). */
export type CompactionOutcome =
  { kind: 'ok' } | { kind: 'terminal'; error: SessionErrorObject } | { kind: 'exhausted' } | { kind: 'interrupted' };

export async function compactIfNeeded(deps: CompactionDeps): Promise<CompactionOutcome> {
  const { agent } = deps.state;
  const { compaction } = contextManagementOf(agent);
  const window = contextWindowOf(agent);
  const trigger = Math.floor(window * compaction.trigger_ratio);
  if (!compaction.enabled || !deps.needsCompaction()) return { kind: 'ok' };
  if (!deps.patches.has(CONTEXT_COMPACTION_PATCH)) return { kind: 'ok' };
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await runCompaction(deps, { window, trigger, instructions: compaction.instructions });
      return record(deps, result);
    } catch (error) {
      const failure = deps.describeFailure(error);
      const lastTry = !failure.retryable || attempt >= deps.maxAttempts;
      const retry = !failure.retryable ? 'terminal' : lastTry ? 'exhausted' : 'retrying';
      const sessionError: SessionErrorObject = { ...failure.error, retry_status: { type: retry } };
      deps.log.emit({ type: 'session.error', error: sessionError });
      if (retry === 'terminal') return { kind: 'terminal', error: sessionError };
      if (retry === 'exhausted') return { kind: 'exhausted' };
      const interrupted = await condition(() => deps.state.interruptRequested, deps.retryDelay(attempt, failure));
      if (interrupted) return { kind: 'interrupted' };
    }
  }
}

async function runCompaction(
  deps: CompactionDeps,
  limits: { window: number; trigger: number; instructions?: string },
): Promise<CompactContextResult> {
  const throughSeq = deps.log.lastSeq;
  const request = deps.request();
  // The activity stores the events not persisted yet, as callModel does: its transcript needs them.
  const result = await compactContext.executeWithOptions(
    { ...COMPACTION_ACTIVITY, summary: `${deps.state.agent.name}: compact the context (${request.model})` },
    [
      {
        ...request,
        throughSeq,
        events: deps.log.unpersisted(),
        context_window: limits.window,
        trigger_tokens: limits.trigger,
        keep_turns: KEEP_TURNS,
        ...(limits.instructions ? { instructions: limits.instructions } : {}),
      },
    ],
  );
  deps.log.markPersistedThrough(throughSeq);
  return result;
}

function record(deps: CompactionDeps, result: CompactContextResult): CompactionOutcome {
  if (result.kind === 'not_needed') {
    deps.measured(result.tokens);
    return { kind: 'ok' };
  }
  if (result.kind === 'too_large') {
    const error: SessionErrorObject = {
      type: 'compaction_limit_reached_error',
      message:
        `the next request needs ${result.tokens_after} tokens even after compaction, over the ` +
        `${contextWindowOf(deps.state.agent)}-token context window: the newest message alone does not fit`,
      retry_status: { type: 'terminal' },
    };
    deps.log.emit({ type: 'session.error', error });
    return { kind: 'terminal', error };
  }
  deps.log.emit({
    type: 'agent.thread_context_compacted',
    compacted_from_seq: result.from_seq,
    compacted_through_seq: result.through_seq,
    tokens_before: result.tokens_before,
    tokens_after: result.tokens_after,
    summary: textBlocks(result.summary),
  });
  deps.measured(result.tokens_after, result.through_seq);
  return { kind: 'ok' };
}
