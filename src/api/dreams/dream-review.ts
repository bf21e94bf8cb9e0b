/**
 * Lucid's per-change review over HTTP (an extension: the API applies a dream's result without review): a
 * `review: "human"` dream's proposed changes, and the decisions on them, sent to the dream's workflow as Updates.
 */
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { LucidClient } from '../../client';
import type { Dream, DreamChange } from '../../domain/dream';
import { INVALID_REVIEW_DECISION } from '../../workflows/api/dream-api';
import { invalidRequest, notFound } from '../api-error';
import { paginate, type Page } from '../pagination';
import { dreamChangeObject, type DreamChangeObject } from './dream-change-object';
import type { ChangeListQuery, DecisionBody } from './dream-params';
import { FINAL_STATUSES, type DreamReader } from './dream-reader';

type Decision = 'approved' | 'rejected';

export class DreamReview {
  constructor(
    private readonly reader: DreamReader,
    private readonly lucid: LucidClient,
  ) {}

  /** In the order the dream proposed them. */
  async list(dreamId: string, query: ChangeListQuery): Promise<Page<DreamChangeObject>> {
    const { state } = await this.reader.existing(dreamId);
    const statuses = query.statuses;
    const changes = state.changes.filter((change) => statuses === undefined || statuses.includes(change.status));
    const page = paginate(changes, changeKey, query, 'asc');
    return { ...page, data: page.data.map((change) => dreamChangeObject(dreamId, change)) };
  }

  async retrieve(dreamId: string, changeId: string): Promise<DreamChangeObject> {
    const { state } = await this.reader.existing(dreamId);
    return dreamChangeObject(dreamId, changeOf(state, changeId));
  }

  /** Answers with the change as the decision left it. */
  async decide(dreamId: string, changeId: string, decision: Decision, body: DecisionBody): Promise<DreamChangeObject> {
    const { state } = await this.reader.existing(dreamId);
    const change = changeOf(state, changeId);
    refuseUnlessAwaitingReview(state);
    if (change.status !== 'pending') throw invalidRequest(`${changeId} is already ${change.status}`);
    const args = { change_id: changeId, ...body };
    const decided = await asApiRefusal(
      decision === 'approved' ? this.lucid.approveChange(dreamId, args) : this.lucid.rejectChange(dreamId, args),
    );
    return dreamChangeObject(dreamId, { ...change, ...decided });
  }

  /** Decides every change still pending; answers with each change it decided. */
  async decideAll(dreamId: string, decision: Decision, body: DecisionBody): Promise<Page<DreamChangeObject>> {
    const { state } = await this.reader.existing(dreamId);
    refuseUnlessAwaitingReview(state);
    const decided = await asApiRefusal(
      decision === 'approved' ? this.lucid.approveAll(dreamId, body) : this.lucid.rejectAll(dreamId, body),
    );
    const data = decided.map((change) => dreamChangeObject(dreamId, { ...changeOf(state, change.id), ...change }));
    return { data, next_page: null };
  }
}

function changeOf(dream: Dream, changeId: string): DreamChange {
  const change = dream.changes.find((candidate) => candidate.id === changeId);
  if (!change) throw notFound(`dream ${dream.id} has no change ${changeId}`);
  return change;
}

function refuseUnlessAwaitingReview(dream: Dream): void {
  if (dream.phase === 'awaiting_review' && !FINAL_STATUSES.has(dream.status)) return;
  const where = FINAL_STATUSES.has(dream.status) ? dream.status : `${dream.status}, ${dream.phase}`;
  const why = dream.review === 'auto' ? ' (it was created with review "auto")' : '';
  throw invalidRequest(`dream ${dream.id} is not awaiting review (it is ${where})${why}`);
}

/** A review update the dream refused (decided meanwhile, ended) is the caller's 400, with the dream's reason. */
async function asApiRefusal<T>(update: Promise<T>): Promise<T> {
  try {
    return await update;
  } catch (error) {
    const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === INVALID_REVIEW_DECISION) {
      throw invalidRequest(cause.message);
    }
    if (error instanceof WorkflowNotFoundError) throw invalidRequest('the dream has ended; it takes no more decisions');
    throw error;
  }
}

/** `chg_2` before `chg_10`. */
const changeKey = (change: DreamChange) => change.id.replace(/\d+/, (digits) => digits.padStart(6, '0'));
