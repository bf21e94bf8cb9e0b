/**
 * What the dream routes do, over Lucid's dreaming (the `dream` workflow through LucidClient) and the dream registry:
 * the API's create / cancel / archive rules with every check made before anything starts, the dream read live from
 * its workflow while it runs and from its saved record after, and Lucid's per-change review.
 */
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { LucidClient } from '../../client';
import { DreamInputSchema, type Dream, type DreamChange, type ParsedDreamInput } from '../../domain/dream';
import { randomIdBody } from '../../domain/ids';
import { MemoryNotFoundError } from '../../memory/errors';
import type { DreamApiRecord } from '../../storage/dream-registry';
import type { Storage } from '../../storage/open-storage';
import { dreamQuery, INVALID_REVIEW_DECISION } from '../../workflows/api/dream-api';
import { ApiError, invalidRequest, notFound } from '../api-error';
import { paginate, type Page } from '../pagination';
import { dreamChangeObject, type DreamChangeObject } from './dream-change-object';
import { dreamObject, pendingDream, type LucidDreamObject } from './dream-object';
import type { ChangeListQuery, DecisionBody, DreamCreateParams, DreamListQuery } from './dream-params';

/** How long a cancel waits for the dream to stop before answering with what it is then. */
const CANCEL_WAIT_MS = 30_000;

const FINAL: ReadonlySet<Dream['status']> = new Set(['completed', 'failed', 'canceled']);

type Decision = 'approved' | 'rejected';

interface DreamView {
  state: Dream;
  record: DreamApiRecord | null;
}

export class DreamService {
  private last = 0;
  /** Creates that write into a store, one at a time per store, so two cannot both take its hold. */
  private readonly storeQueues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly storage: Storage,
    private readonly lucid: LucidClient,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Never the same millisecond twice in one server, so dreams created in a burst list in order. */
  private now(): string {
    this.last = Math.max(this.clock(), this.last + 1);
    return new Date(this.last).toISOString();
  }

  async create(params: DreamCreateParams): Promise<LucidDreamObject> {
    const input = dreamInputOf(params);
    await this.refuseMissingInputs(input);
    const id = `drm_${randomIdBody(Math.random)}`;
    const record: DreamApiRecord = { id, created_at: this.now(), archived_at: null, input };
    if (input.output_behavior.type === 'update_existing') {
      await this.oneAtATime(input.memory_store_id, () => this.startHoldingStore(input, id));
    } else {
      await this.lucid.startDream(input, id);
    }
    await this.storage.dreams.saveApiRecord(record);
    return dreamObject(pendingDream({ ...record, input }), record);
  }

  async retrieve(dreamId: string): Promise<LucidDreamObject> {
    const { state, record } = await this.existing(dreamId);
    return dreamObject(state, record);
  }

  /** Newest first; dreams started outside the API (the CLI, a schedule) are listed too once they have saved. */
  async list(query: DreamListQuery): Promise<Page<LucidDreamObject>> {
    const records = new Map((await this.storage.dreams.listApiRecords()).map((record) => [record.id, record]));
    const ids = new Set([...records.keys(), ...(await this.storage.dreams.listDreams()).map((dream) => dream.id)]);
    const views = await Promise.all([...ids].map((id) => this.view(id, records.get(id) ?? null)));
    const statuses = query.statuses;
    const dreams = views
      .filter((view): view is DreamView => view !== null)
      .map(({ state, record }) => dreamObject(state, record))
      .filter((dream) => query.include_archived || dream.archived_at === null)
      .filter((dream) => statuses === undefined || statuses.includes(dream.status))
      .filter((dream) => inRange(dream.created_at, query))
      .sort((a, b) => listKey(b).localeCompare(listKey(a)));
    return paginate(dreams, listKey, query, 'desc');
  }

  /** The API's cancel: a final dream is answered as it is (canceled) or refused (completed, failed). */
  async cancel(dreamId: string): Promise<LucidDreamObject> {
    const { state, record } = await this.existing(dreamId);
    if (state.status === 'canceled') return dreamObject(state, record);
    if (FINAL.has(state.status)) {
      throw invalidRequest(`dream ${dreamId} is ${state.status}; only a pending or running dream can be canceled`);
    }
    const handle = this.lucid.temporal.workflow.getHandle(dreamId);
    try {
      await handle.cancel();
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error; // it ended meanwhile: answered as it ended
    }
    await settledWithin(handle.result(), CANCEL_WAIT_MS);
    return this.retrieve(dreamId);
  }

  async archive(dreamId: string): Promise<LucidDreamObject> {
    const { state, record } = await this.existing(dreamId);
    if (!FINAL.has(state.status)) {
      throw invalidRequest(`dream ${dreamId} is ${state.status}; cancel it before archiving it`);
    }
    if (record?.archived_at) return dreamObject(state, record);
    const archived: DreamApiRecord = {
      ...(record ?? { id: dreamId, created_at: state.created_at, input: null }),
      archived_at: this.now(),
    };
    await this.storage.dreams.saveApiRecord(archived);
    return dreamObject(state, archived);
  }

  // -- Lucid's review extension ----------------------------------------------------------------------------

  /** In the order the dream proposed them. */
  async listChanges(dreamId: string, query: ChangeListQuery): Promise<Page<DreamChangeObject>> {
    const { state } = await this.existing(dreamId);
    const statuses = query.statuses;
    const changes = state.changes.filter((change) => statuses === undefined || statuses.includes(change.status));
    const page = paginate(changes, changeKey, query, 'asc');
    return { ...page, data: page.data.map((change) => dreamChangeObject(dreamId, change)) };
  }

  async change(dreamId: string, changeId: string): Promise<DreamChangeObject> {
    const { state } = await this.existing(dreamId);
    return dreamChangeObject(dreamId, changeOf(state, changeId));
  }

  async decide(dreamId: string, changeId: string, decision: Decision, body: DecisionBody) {
    const { state } = await this.existing(dreamId);
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
    const { state } = await this.existing(dreamId);
    refuseUnlessAwaitingReview(state);
    const decided = await asApiRefusal(
      decision === 'approved' ? this.lucid.approveAll(dreamId, body) : this.lucid.rejectAll(dreamId, body),
    );
    const data = decided.map((change) => dreamChangeObject(dreamId, { ...changeOf(state, change.id), ...change }));
    return { data, next_page: null };
  }

  // -- Reading a dream -------------------------------------------------------------------------------------

  private async existing(dreamId: string): Promise<DreamView> {
    const view = await this.view(dreamId, await this.storage.dreams.readApiRecord(dreamId));
    if (!view) throw notFound(`no dream ${dreamId}`);
    return view;
  }

  /**
   * A final saved record is the dream; otherwise the running workflow answers, and before it has (no worker has
   * taken it yet) the API's record shows it pending. A workflow that closed without saving an end (terminated)
   * is shown failed.
   */
  private async view(dreamId: string, record: DreamApiRecord | null): Promise<DreamView | null> {
    const saved = await this.storage.dreams.readDream(dreamId);
    if (saved && FINAL.has(saved.status)) return { state: saved, record };
    const started = record?.input ? pendingDream({ ...record, input: record.input }) : null;
    const execution = await this.execution(dreamId);
    if (execution?.running) {
      const state = (await this.liveDream(dreamId)) ?? saved ?? started;
      return state && { state, record };
    }
    const last = saved ?? started;
    return last && { state: endedUnrecorded(last, execution?.closedAt ?? null), record };
  }

  private async execution(dreamId: string): Promise<{ running: boolean; closedAt: string | null } | null> {
    try {
      const description = await this.lucid.temporal.workflow.getHandle(dreamId).describe();
      return { running: description.status.name === 'RUNNING', closedAt: description.closeTime?.toISOString() ?? null };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }

  private async liveDream(dreamId: string): Promise<Dream | null> {
    try {
      return await this.lucid.temporal.workflow.getHandle(dreamId).query(dreamQuery);
    } catch {
      return null; // no worker has run it yet, or none answers now: the saved record is the best there is
    }
  }

  // -- Creating a dream ------------------------------------------------------------------------------------

  /** The store and every session must exist: a dream over something missing is refused, not started to fail. */
  private async refuseMissingInputs(input: ParsedDreamInput): Promise<void> {
    try {
      const store = await this.storage.memory.getStore(input.memory_store_id);
      if (store.archived_at) throw invalidRequest(`inputs: memory store ${store.id} is archived`);
    } catch (error) {
      if (error instanceof MemoryNotFoundError) throw notFound(`inputs: no memory store ${input.memory_store_id}`);
      throw error;
    }
    const sessionIds = input.sessions.type === 'session_ids' ? input.sessions.session_ids : [];
    for (const sessionId of sessionIds) {
      const events = await this.storage.sessions.readEvents(sessionId, { limit: 1 });
      if (events.length === 0) throw notFound(`inputs: no session ${sessionId}`);
    }
  }

  /**
   * `update_existing`: the dream takes the store's hold before its workflow starts (the workflow takes it again
   * as its own), so a second dream on a store that is held is refused here with the API's conflict.
   */
  private async startHoldingStore(input: ParsedDreamInput, dreamId: string): Promise<void> {
    const storeId = input.memory_store_id;
    const holder = await this.storage.dreams.hold(storeId, dreamId, (other) => this.lucid.isRunning(other));
    if (holder) {
      throw new ApiError(
        409,
        'conflict_error',
        `memory store ${storeId} is held by dream ${holder.dream_id} (update_existing), which has not stopped; ` +
          `wait for it to end or cancel it, then retry`,
        false,
      );
    }
    try {
      await this.lucid.startDream(input, dreamId);
    } catch (error) {
      await this.storage.dreams.release(storeId, dreamId);
      throw error;
    }
  }

  private async oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
    const run = (this.storeQueues.get(key) ?? Promise.resolve()).then(work, work);
    const tail = run.catch(() => undefined);
    this.storeQueues.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.storeQueues.get(key) === tail) this.storeQueues.delete(key);
    }
  }
}

/** The API's create request as the `dream` workflow's input; what Lucid cannot honour is refused. */
function dreamInputOf(params: DreamCreateParams): ParsedDreamInput {
  const store = params.inputs.find((input) => input.type === 'memory_store')!;
  const sessions = params.inputs.find((input) => input.type === 'sessions')!;
  const model = typeof params.model === 'string' ? { id: params.model, speed: null } : params.model;
  if (model.speed === 'fast') throw invalidRequest('body: model.speed: dreams accept only "standard"');
  const behavior = params.output_behavior ?? { type: 'create_new' };
  if (behavior.type === 'update_existing' && behavior.memory_store_id !== store.memory_store_id) {
    throw invalidRequest(
      `body: output_behavior.memory_store_id: must be the input memory store ${store.memory_store_id}, ` +
        `not ${behavior.memory_store_id}`,
    );
  }
  return DreamInputSchema.parse({
    memory_store_id: store.memory_store_id,
    sessions: { type: 'session_ids', session_ids: [...sessions.session_ids].sort() },
    model: model.id,
    ...(params.instructions ? { instructions: params.instructions } : {}),
    review: params.review,
    output_behavior: { type: behavior.type },
  });
}

function changeOf(dream: Dream, changeId: string): DreamChange {
  const change = dream.changes.find((candidate) => candidate.id === changeId);
  if (!change) throw notFound(`dream ${dream.id} has no change ${changeId}`);
  return change;
}

function refuseUnlessAwaitingReview(dream: Dream): void {
  if (dream.phase === 'awaiting_review' && !FINAL.has(dream.status)) return;
  const where = FINAL.has(dream.status) ? dream.status : `${dream.status}, ${dream.phase}`;
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

/** A dream whose workflow closed without saving how it ended (it was terminated, or lost): failed. */
function endedUnrecorded(dream: Dream, closedAt: string | null): Dream {
  return {
    ...dream,
    status: 'failed',
    error: {
      type: 'internal_error',
      message: `the dream's workflow ended without recording an outcome (terminated, or no longer known to Temporal)`,
    },
    ended_at: dream.ended_at ?? closedAt,
  };
}

async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([promise.then(noop, noop), timeout]);
  clearTimeout(timer);
}

function noop(): void {}

function inRange(createdAt: string, query: DreamListQuery): boolean {
  const at = Date.parse(createdAt);
  const gt = query['created_at[gt]'];
  const lt = query['created_at[lt]'];
  return (gt === undefined || at > Date.parse(gt)) && (lt === undefined || at < Date.parse(lt));
}

const listKey = (dream: LucidDreamObject) => `${dream.created_at} ${dream.id}`;
const changeKey = (change: DreamChange) => change.id.replace(/\d+/, (digits) => digits.padStart(6, '0'));
