/**
 * The `dream` workflow's API: the names and types of its review updates, signals and queries, and its input. No
 * logic lives here, so the client and the CLI import it without pulling in the workflow itself.
 *
 * Each review decision exists as an Update, which is validated before it reaches history (an unknown or already
 * decided change is an error to the caller) and answers with the change's new state, and as a Signal of the same
 * name, kept for the Temporal CLI and older callers (a signal that cannot apply is recorded in the review log).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BulkDecision, ChangeDecision, Dream, DreamChange, DreamInput } from '../../domain/dream';
import { FailureType } from '../../domain/failure-types';

export type { BulkDecision, ChangeDecision, DreamInput };

/** The workflow type the worker registers `dream` under. */
export const DREAM_WORKFLOW = 'dream';

/** The failure type of a review update rejected before it reached history. */
export const INVALID_REVIEW_DECISION = FailureType.InvalidReviewDecision;

/** A change as a decision left it: `approved` or `rejected`, with who decided and when. */
export type DecidedChange = Pick<DreamChange, 'id' | 'status' | 'decision'>;

/** Approve one change: {"change_id": "chg_1", "by": "ana", "comment": "..."}. */
export const approveChangeUpdate = defineUpdate<DecidedChange, [ChangeDecision]>('dream.approve');
export const approveChangeSignal = defineSignal<[ChangeDecision]>('dream.approve');
/** Reject one change: {"change_id": "chg_2", "by": "ana", "comment": "..."}. */
export const rejectChangeUpdate = defineUpdate<DecidedChange, [ChangeDecision]>('dream.reject');
export const rejectChangeSignal = defineSignal<[ChangeDecision]>('dream.reject');
/** Approve every change still pending: {"by": "ana"}; answers with each change it decided (a signal may omit the input). */
export const approveAllUpdate = defineUpdate<DecidedChange[], [BulkDecision]>('dream.approve_all');
export const approveAllSignal = defineSignal<[BulkDecision?]>('dream.approve_all');
/** Reject every change still pending: {"by": "ana"}; answers with each change it decided. */
export const rejectAllUpdate = defineUpdate<DecidedChange[], [BulkDecision]>('dream.reject_all');
export const rejectAllSignal = defineSignal<[BulkDecision?]>('dream.reject_all');

export const dreamQuery = defineQuery<Dream>('dream');
/** The changes still awaiting a decision, each with its diff, rationale and evidence. */
export const pendingChangesQuery = defineQuery<DreamChange[]>('pending_changes');
