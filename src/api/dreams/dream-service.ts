/**
 * What the dream routes do, over Lucid's dreaming (the `dream` workflow through LucidClient) and the dream registry:
 * the API's create / retrieve / list / cancel / archive rules, with every check of a create made before anything
 * starts.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { LucidClient } from '../../client';
import { DreamInputSchema, type ParsedDreamInput } from '../../domain/dream';
import { randomIdBody } from '../../domain/ids';
import { MemoryNotFoundError } from '../../memory/errors';
import type { DreamApiRecord } from '../../storage/dream-registry';
import type { Storage } from '../../storage/open-storage';
import { ApiError, invalidRequest, notFound } from '../api-error';
import { paginate, type Page } from '../pagination';
import { dreamObject, pendingDream, type LucidDreamObject } from './dream-object';
import type { DreamCreateParams, DreamListQuery } from './dream-params';
import { FINAL_STATUSES, type DreamReader, type DreamView } from './dream-reader';

/** How long a cancel waits for the dream to stop before answering with what it is then. */
const CANCEL_WAIT_MS = 30_000;

export class DreamService {
  private last = 0;
  /** Creates that write into a store, one at a time per store, so two cannot both take its hold. */
  private readonly storeQueues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly storage: Storage,
    private readonly lucid: LucidClient,
    private readonly reader: DreamReader,
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
    const { state, record } = await this.reader.existing(dreamId);
    return dreamObject(state, record);
  }

  /** Newest first; dreams started outside the API (the CLI, a schedule) are listed too once they have saved. */
  async list(query: DreamListQuery): Promise<Page<LucidDreamObject>> {
    const records = new Map((await this.storage.dreams.listApiRecords()).map((record) => [record.id, record]));
    const ids = new Set([...records.keys(), ...(await this.storage.dreams.listDreams()).map((dream) => dream.id)]);
    const views = await Promise.all([...ids].map((id) => this.reader.view(id, records.get(id) ?? null)));
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
    const { state, record } = await this.reader.existing(dreamId);
    if (state.status === 'canceled') return dreamObject(state, record);
    if (FINAL_STATUSES.has(state.status)) {
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
    const { state, record } = await this.reader.existing(dreamId);
    if (!FINAL_STATUSES.has(state.status)) {
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
