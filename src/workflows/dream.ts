/**
 * The `dream` workflow: reviews an agent's finished sessions, proposes small evidenced changes to a memory store,
 * and applies them at once (`review: auto`; an untrusted change, whose only evidence is tool output, still waits for
 * a human) or only those a human approves by update or signal (`review: human`).
 * Deterministic orchestration only: reading sessions, asking the model and writing memory are activities.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  BulkDecisionSchema,
  ChangeDecisionSchema,
  DreamInputSchema,
  type BulkDecision,
  type ChangeDecision,
  type Dream,
  type DreamChange,
  type DreamInput,
  type Lesson,
  type ParsedDreamInput,
} from '../domain/dream';
import { describeIssues } from '../domain/session-input';
import { failureCause } from '../domain/failure-cause';
import { FailureType } from '../domain/failure-types';
import { addUsage, ZERO_USAGE } from '../domain/usage';
import {
  approveAllSignal,
  approveAllUpdate,
  approveChangeSignal,
  approveChangeUpdate,
  dreamQuery,
  pendingChangesQuery,
  rejectAllSignal,
  rejectAllUpdate,
  rejectChangeSignal,
  rejectChangeUpdate,
  INVALID_REVIEW_DECISION,
  type DecidedChange,
} from './api/dream-api';

// ---------------------------------------------------------------------------------------------------------------
// Activities
// ---------------------------------------------------------------------------------------------------------------

const { reflectOnSession, proposeDreamChanges } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '60 seconds', maximumAttempts: 5 },
});
const {
  findDreamSessions,
  classifyDreamEvidence,
  holdMemoryStore,
  releaseMemoryStore,
  copyMemoryStore,
  applyDreamChange,
  saveDream,
} = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 10 },
});

/**
 * Each proposed change gets the provenance of its evidence from the event log (the `classifyDreamEvidence`
 * activity), and under `review: auto` a change whose only evidence is tool output (or none) waits for a human
 * instead of applying. Dreams from before it apply every change under `auto`, and replay keeps them so. Decided in
 * the first activation, as session-patches.ts does for sessions.
 */
export const DREAM_EVIDENCE_PROVENANCE_PATCH = 'dream-evidence-provenance';

// ---------------------------------------------------------------------------------------------------------------
// Main workflow logic
// ---------------------------------------------------------------------------------------------------------------

export async function dream(raw: DreamInput): Promise<Dream> {
  const parsed = DreamInputSchema.safeParse(raw);
  if (!parsed.success)
    throw ApplicationFailure.nonRetryable(
      `invalid dream input: ${describeIssues(parsed.error)}`,
      FailureType.InvalidDreamInput,
    );
  const run = new DreamRun(parsed.data);
  return run.run();
}

class DreamRun {
  private readonly dream: Dream;
  private holdsStore = false;
  /** {@link DREAM_EVIDENCE_PROVENANCE_PATCH}, decided before anything awaits. */
  private readonly classifiesEvidence = patched(DREAM_EVIDENCE_PROVENANCE_PATCH);

  constructor(private readonly input: ParsedDreamInput) {
    this.dream = {
      type: 'dream',
      id: workflowInfo().workflowId,
      status: 'pending',
      phase: 'starting',
      memory_store_id: input.memory_store_id,
      session_ids: input.sessions.type === 'session_ids' ? [...input.sessions.session_ids].sort() : [],
      model: input.model,
      instructions: input.instructions ?? null,
      review: input.review,
      output_behavior: input.output_behavior,
      outputs: [],
      changes: [],
      review_log: [],
      usage: ZERO_USAGE,
      error: null,
      review_deadline: null,
      created_at: new Date().toISOString(),
      ended_at: null,
    };
    setHandler(dreamQuery, () => this.dream, { description: 'The dream: status, phase, changes, usage' });
    setHandler(pendingChangesQuery, () => this.dream.changes.filter((change) => change.status === 'pending'), {
      description: 'Changes awaiting a decision, with diffs',
    });
    this.handleDecisions('approved', approveChangeSignal, approveChangeUpdate, approveAllSignal, approveAllUpdate);
    this.handleDecisions('rejected', rejectChangeSignal, rejectChangeUpdate, rejectAllSignal, rejectAllUpdate);
  }

  /**
   * One kind of decision (approve or reject) as four handlers: the updates are checked by their validators, so a
   * decision that cannot apply is an error to its caller and never reaches history; the signals are taken as they
   * come and a decision that cannot apply is recorded in the review log as ignored.
   */
  private handleDecisions(
    status: 'approved' | 'rejected',
    oneSignal: typeof approveChangeSignal,
    oneUpdate: typeof approveChangeUpdate,
    allSignal: typeof approveAllSignal,
    allUpdate: typeof approveAllUpdate,
  ): void {
    const verb = status === 'approved' ? 'Approve' : 'Reject';
    setHandler(
      oneSignal,
      (decision) => {
        this.decideOne(decision, status);
      },
      {
        description: `${verb} one change: {"change_id": "chg_1", "by": "name"}`,
      },
    );
    setHandler(
      allSignal,
      (decision) => {
        this.decideAll(decision, status);
      },
      {
        description: `${verb} every pending change: {"by": "name"}`,
      },
    );
    setHandler(
      oneUpdate,
      (decision) => this.decideOne(decision, status) ?? rejectDecision('the decision was ignored'),
      {
        description: `${verb} one change: {"change_id": "chg_1", "by": "name"}; answers with the change's new state`,
        validator: (decision) => this.checkOne(decision),
      },
    );
    setHandler(allUpdate, (decision) => this.decideAll(decision, status), {
      description: `${verb} every pending change: {"by": "name"}; answers with each change decided`,
      validator: (decision?: BulkDecision) => this.checkAll(decision),
    });
  }

  async run(): Promise<Dream> {
    try {
      await this.dreamOnce();
      this.dream.status = 'completed';
      return await this.end();
    } catch (error) {
      if (isCancellation(error)) {
        this.dream.status = 'canceled';
        await CancellationScope.nonCancellable(() => this.end());
        throw error;
      }
      // The record and the workflow's failure both say what went wrong, not "Activity task failed".
      const { type, message, expected } = failureCause(error);
      this.dream.status = 'failed';
      this.dream.error = { type, message };
      await CancellationScope.nonCancellable(() => this.end());
      throw ApplicationFailure.create({
        type,
        message,
        nonRetryable: true,
        cause: error instanceof Error ? error : undefined,
        category: expected ? ApplicationFailureCategory.BENIGN : undefined,
      });
    }
  }

  private async dreamOnce(): Promise<void> {
    this.dream.status = 'running';
    if (this.input.output_behavior.type === 'update_existing') {
      await holdMemoryStore({ memory_store_id: this.input.memory_store_id, dream_id: this.dream.id });
      this.holdsStore = true;
    }
    this.dream.phase = 'reading';
    await saveDream(this.dream);
    const found = await findDreamSessions({
      memory_store_id: this.input.memory_store_id,
      sessions: this.input.sessions,
    });
    this.dream.session_ids = found.session_ids;
    if (
      this.input.sessions.type === 'since_last_dream' &&
      found.session_ids.length < this.input.sessions.min_sessions
    ) {
      this.dream.phase = 'skipped'; // too few new sessions: end without a model call
      return;
    }

    const lessons = await this.reflectOnAll(found.session_ids);
    this.dream.phase = 'consolidating';
    const proposal = await proposeDreamChanges({
      dream_id: this.dream.id,
      memory_store_id: this.input.memory_store_id,
      lessons,
      model: this.input.model,
      instructions: this.input.instructions,
    });
    this.dream.usage = addUsage(this.dream.usage, proposal.usage);
    this.dream.changes = proposal.changes;
    if (this.dream.changes.length === 0) {
      this.dream.phase = 'done';
      return;
    }
    if (this.classifiesEvidence) await this.classifyEvidence();

    const target = await this.outputStore();
    await this.review(target);
    await this.apply(target);
    this.dream.phase = 'done';
  }

  /** Reflects on the sessions a bounded number at a time; each reflection is its own activity. */
  private async reflectOnAll(sessionIds: string[]): Promise<Lesson[]> {
    const lessons: Lesson[][] = [];
    let next = 0;
    const worker = async () => {
      while (next < sessionIds.length) {
        const index = next++;
        const result = await reflectOnSession.executeWithOptions(
          {
            startToCloseTimeout: '30 minutes',
            heartbeatTimeout: '30 seconds',
            retry: {
              initialInterval: '1 second',
              backoffCoefficient: 2,
              maximumInterval: '60 seconds',
              maximumAttempts: 5,
            },
            summary: `reflect on ${sessionIds[index]}`,
          },
          [
            {
              dream_id: this.dream.id,
              session_id: sessionIds[index],
              memory_store_id: this.input.memory_store_id,
              model: this.input.model,
              instructions: this.input.instructions,
              budget_chars: this.input.transcript_budget_chars,
            },
          ],
        );
        lessons[index] = result.lessons;
        this.dream.usage = addUsage(this.dream.usage, result.usage);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.input.max_parallel_reflections, sessionIds.length) }, worker));
    return lessons.flat();
  }

  /** Lucid's reading of each change's evidence, from the event log; what the model said of it counts for nothing. */
  private async classifyEvidence(): Promise<void> {
    const classified = await classifyDreamEvidence({
      changes: this.dream.changes.map(({ id, evidence }) => ({ id, evidence })),
    });
    for (const { id, provenance, trusted } of classified) {
      const change = this.dream.changes.find((candidate) => candidate.id === id)!;
      change.provenance = provenance;
      change.trusted = trusted;
    }
  }

  /** `create_new` writes to a copy of the input store; `update_existing` to the store itself. */
  private async outputStore(): Promise<string> {
    const target =
      this.input.output_behavior.type === 'create_new'
        ? (await copyMemoryStore({ memory_store_id: this.input.memory_store_id, dream_id: this.dream.id }))
            .memory_store_id
        : this.input.memory_store_id;
    this.dream.outputs = [{ type: 'memory_store', memory_store_id: target }];
    return target;
  }

  /**
   * `auto` approves (and applies) every trusted change, every change for dreams from before provenance, and holds
   * untrusted ones for a human; `human` holds them all. Held changes wait durably for decisions until the deadline expires the rest.
   */
  private async review(target: string): Promise<void> {
    if (this.input.review === 'auto') {
      for (const change of this.pending().filter((candidate) => candidate.trusted !== false))
        this.decideOne({ change_id: change.id, by: 'auto-review' }, 'approved');
      if (this.pending().length === 0) return;
      await this.apply(target); // the trusted ones take effect now; the held ones wait below
    }
    this.dream.phase = 'awaiting_review';
    const deadlineMs = this.input.review_deadline_seconds * 1000;
    this.dream.review_deadline = new Date(Date.now() + deadlineMs).toISOString();
    await saveDream(this.dream);
    const decided = await condition(() => this.pending().length === 0, deadlineMs);
    if (!decided) {
      for (const change of this.pending()) {
        change.status = 'expired';
        change.decision = { by: 'deadline', comment: null, at: new Date().toISOString() };
      }
    }
  }

  private async apply(target: string): Promise<void> {
    this.dream.phase = 'applying';
    for (const change of this.dream.changes.filter((candidate) => candidate.status === 'approved')) {
      const result = await applyDreamChange.executeWithOptions(
        {
          startToCloseTimeout: '1 minute',
          retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 10 },
          summary: `apply ${change.id} (${change.op} ${'path' in change ? change.path : change.into_path})`,
        },
        [{ memory_store_id: target, dream_id: this.dream.id, change }],
      );
      change.status = result.status;
      change.status_detail = result.detail;
    }
  }

  private async end(): Promise<Dream> {
    if (this.holdsStore) {
      await releaseMemoryStore({ memory_store_id: this.input.memory_store_id, dream_id: this.dream.id });
      this.holdsStore = false;
    }
    this.dream.ended_at = new Date().toISOString();
    await saveDream(this.dream);
    return this.dream;
  }

  private pending(): DreamChange[] {
    return this.dream.changes.filter((change) => change.status === 'pending');
  }

  /** Decides one change; returns its new state, or null when the decision was ignored (and logged as such). */
  private decideOne(raw: ChangeDecision, status: 'approved' | 'rejected'): DecidedChange | null {
    const parsed = ChangeDecisionSchema.safeParse(raw);
    if (!parsed.success) return this.log(status, null, 'unknown', `ignored: ${describeIssues(parsed.error)}`);
    const { change_id, by, comment } = parsed.data;
    const change = this.dream.changes.find((candidate) => candidate.id === change_id);
    if (!change) return this.log(status, change_id, by, 'ignored: no such change');
    if (change.status !== 'pending') return this.log(status, change_id, by, `ignored: already ${change.status}`);
    change.status = status;
    change.decision = { by, comment: comment ?? null, at: new Date().toISOString() };
    this.log(status, change_id, by, 'ok');
    return { id: change.id, status: change.status, decision: change.decision };
  }

  private decideAll(raw: BulkDecision | undefined, status: 'approved' | 'rejected'): DecidedChange[] {
    const parsed = BulkDecisionSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      this.log(status, null, 'unknown', `ignored: ${describeIssues(parsed.error)}`);
      return [];
    }
    const decided = this.pending().map((change) => this.decideOne({ change_id: change.id, ...parsed.data }, status));
    return decided.filter((change): change is DecidedChange => change !== null);
  }

  /** Validator of the one-change updates: the decision is well formed and names a change awaiting a decision. */
  private checkOne(raw: ChangeDecision): void {
    const parsed = ChangeDecisionSchema.safeParse(raw);
    if (!parsed.success) rejectDecision(`invalid decision: ${describeIssues(parsed.error)}`);
    this.checkAwaitingReview();
    const change = this.dream.changes.find((candidate) => candidate.id === parsed.data.change_id);
    if (!change) {
      const known = this.dream.changes.map((candidate) => candidate.id).join(', ') || 'none';
      rejectDecision(`dream ${this.dream.id} has no change "${parsed.data.change_id}" (its changes: ${known})`);
    }
    if (change.status !== 'pending') rejectDecision(`${change.id} is already ${change.status}`);
  }

  /** Validator of the approve_all / reject_all updates. */
  private checkAll(raw: BulkDecision | undefined): void {
    const parsed = BulkDecisionSchema.safeParse(raw ?? {});
    if (!parsed.success) rejectDecision(`invalid decision: ${describeIssues(parsed.error)}`);
    this.checkAwaitingReview();
  }

  private checkAwaitingReview(): void {
    if (this.dream.phase !== 'awaiting_review')
      rejectDecision(`dream ${this.dream.id} is not awaiting review (it is ${this.dream.phase})`);
  }

  /** Every decision, accepted or not, is recorded with who sent it. */
  private log(decision: 'approved' | 'rejected', changeId: string | null, by: string, result: string): null {
    this.dream.review_log.push({ at: new Date().toISOString(), by, decision, change_id: changeId, result });
    return null;
  }
}

/** Rejects a review update: the caller gets this message and nothing reaches history. */
function rejectDecision(message: string): never {
  throw ApplicationFailure.nonRetryable(message, INVALID_REVIEW_DECISION);
}
