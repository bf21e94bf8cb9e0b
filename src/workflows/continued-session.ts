/**
 * Reading the state a session hands to its next run by continue-as-new: `{"continued": SessionState}`. The same
 * input can also come from a caller (`temporal workflow start --input '{"continued": {...}}'`), so it is
 * validated like any input, and a state written by an older version of Lucid is migrated to the current shape.
 * Pure zod and types: workflow-safe. The workflow reads its input through this (agent-session.ts): zod is
 * deterministic, so reading in the workflow replays identically, needs no activity, and a bad state fails the
 * workflow in its first task (non-retryable) instead of failing the task over and over.
 *
 * Versions of SessionState (`version`), and what each added. Bump it for every change in shape from now on and
 * add an upgrade from the previous version to UPGRADES; never edit a version once released.
 * - 1: sessionId, agent, workspace, keepAliveSeconds, createdAt, nextSeq, usage, turns, turnModelCalls, status,
 *   stopReason, finalMessage, userMessagePending, interruptRequested (b4e6a77, the session loop).
 *   Before Lucid's first release these fields joined version 1 without a bump, so a version-1 state may lack them;
 *   it is read as a session that used none of those features:
 *   outcomes, pendingOutcomes, graderUsage (3ef5fcc, outcomes); thread, completedTurns, threads (7a0e3ee,
 *   multiagent threads); memory (9088b9c, memory stores).
 * - 2: context (clearing old tool results: the watermark and the running estimate of the next request). A
 *   version-1 state upgrades to an all-zero context: nothing cleared, and no estimate until the next answer.
 * - 3: lifecycle (optional: `api` for a Managed Agents API session, which waits idle until archived) and budget
 *   (optional: the most the session's model requests may cost). A version-2 state upgrades without either: the
 *   session keeps its keep_alive_seconds lifecycle and has no budget.
 * - 4: allowedHosts (optional: the network allowlist of the session's API environment, for its `bash` sandbox). A
 *   version-3 state upgrades without it: the session's shell keeps the worker's allowlist.
 */
import { z } from 'zod';
import { AgentDefinitionSchema, ThreadLimitsSchema } from '../domain/agent-definition';
import type { SessionStatus, StopReason } from '../domain/events';
import { OutcomeDefinitionSchema, type OutcomeState } from '../domain/outcome';
import { describeIssues } from '../domain/session-input';
import { ThreadContextSchema, type ThreadReport, type ThreadStatus } from '../domain/threads';
import { ZERO_USAGE } from '../domain/usage';
import type { AttachedStore } from '../memory/attachments';
import type { SessionState } from './session-state';
import { emptyContextState } from './context-tracker';

export const CURRENT_SESSION_STATE_VERSION = 4;

export type ContinuedSessionRead = { ok: true; state: SessionState } | { ok: false; error: string };

/**
 * Validates `{"continued": SessionState}` and migrates an older state to the current version. Never throws: a
 * bad state comes back as a readable error, e.g. `continued.nextSeq: Too small: expected number to be >=1`.
 */
export function readContinuedSession(raw: unknown): ContinuedSessionRead {
  const envelope = VersionedEnvelopeSchema.safeParse(raw);
  if (!envelope.success) return { ok: false, error: describeIssues(envelope.error) };
  const { version } = envelope.data.continued;
  if (version > CURRENT_SESSION_STATE_VERSION) {
    const readable = `this worker reads version ${CURRENT_SESSION_STATE_VERSION} and older`;
    return { ok: false, error: `continued.version: version ${version} was written by a newer Lucid; ${readable}` };
  }
  let state: Record<string, unknown> = fillEarlyVersion1Fields(envelope.data.continued);
  for (let from = version; from < CURRENT_SESSION_STATE_VERSION; from++) state = UPGRADES[from](state);
  const parsed = ContinuedSessionSchema.safeParse({ continued: state });
  if (!parsed.success) return { ok: false, error: describeIssues(parsed.error) };
  // The schema checks what it reads and keeps the rest; the state is the workflow's own type from here on.
  return { ok: true, state: parsed.data.continued as SessionState };
}

/** `UPGRADES[n]` turns a version-n state into a version-(n+1) one. */
const UPGRADES: Record<number, (state: Record<string, unknown>) => Record<string, unknown>> = {
  1: (state) => ({ ...state, version: 2, context: emptyContextState() }),
  2: (state) => ({ ...state, version: 3 }),
  3: (state) => ({ ...state, version: 4 }),
};

/** The fields version 1 gained before it was frozen, filled with what a session without those features has. */
function fillEarlyVersion1Fields(state: Record<string, unknown>): Record<string, unknown> {
  if (state.version !== 1) return state;
  const agent = AgentDefinitionSchema.safeParse(state.agent);
  const limits = (agent.success && agent.data.thread_limits) || ThreadLimitsSchema.parse({});
  const thread = ThreadContextSchema.safeParse(state.thread);
  return {
    outcomes: [],
    pendingOutcomes: [],
    graderUsage: { ...ZERO_USAGE },
    completedTurns: 0,
    threads: { roster: [], limits, depth: thread.success ? thread.data.depth : 0, records: [] },
    memory: { prompt: '', stores: [] },
    ...state,
  };
}

const VersionedEnvelopeSchema = z
  .object({
    continued: z.looseObject({
      version: z.number({ error: 'a continued session state needs a numeric version' }).int().min(1),
    }),
  })
  .strict();

const count = z.number().int().min(0);

/** A zod enum of every member of a string union: a member added to the union does not compile until listed. */
function everyMember<T extends string>(members: { [Member in T]: Member }) {
  return z.enum(members);
}

const SessionStatusSchema = everyMember<SessionStatus>({
  running: 'running',
  idle: 'idle',
  rescheduling: 'rescheduling',
  terminated: 'terminated',
});
const AccessSchema = everyMember<AttachedStore['access']>({ read_only: 'read_only', read_write: 'read_write' });

// Nested records belong to other modules (outcome loop, threads, memory): checked for the fields read here, kept
// whole (loose), so a field one of them adds survives continue-as-new even before it is listed here.

const UsageSchema = z.looseObject({
  input_tokens: count,
  output_tokens: count,
  cache_read_input_tokens: count,
  cache_creation_input_tokens: count,
});

const StopReasonSchema = z.looseObject({
  type: everyMember<StopReason['type']>({
    end_turn: 'end_turn',
    retries_exhausted: 'retries_exhausted',
    max_turns_reached: 'max_turns_reached',
    refusal: 'refusal',
    budget_reached: 'budget_reached',
    requires_action: 'requires_action',
  }),
});

const OutcomeEvaluationSchema = z.looseObject({
  type: z.literal('outcome_evaluation'),
  outcome_id: z.string().min(1),
  description: z.string(),
  result: everyMember<OutcomeState>({
    pending: 'pending',
    running: 'running',
    evaluating: 'evaluating',
    satisfied: 'satisfied',
    max_iterations_reached: 'max_iterations_reached',
    failed: 'failed',
    interrupted: 'interrupted',
    grader_error: 'grader_error',
  }),
  iteration: count,
  max_iterations: z.number().int().min(1),
  explanation: z.string().nullable(),
  completed_at: z.string().nullable(),
});

const OutcomeRecordSchema = z.looseObject({
  id: z.string().min(1),
  definition: OutcomeDefinitionSchema,
  rubricText: z.string(),
  evaluation: OutcomeEvaluationSchema,
  finalTurnPending: z.boolean(),
});

const ThreadReportSchema = z.looseObject({
  thread_id: z.string().min(1),
  completed_turns: count,
  status: everyMember<ThreadReport['status']>({ idle: 'idle', terminated: 'terminated' }),
  stop_reason: StopReasonSchema.nullable(),
  final_message: z.string().nullable(),
  usage: UsageSchema,
  model_requests: count,
});

const ThreadRecordSchema = z.looseObject({
  thread_id: z.string().min(1),
  session_id: z.string().min(1),
  agent_name: z.string().min(1),
  status: everyMember<ThreadStatus>({ running: 'running', idle: 'idle', terminated: 'terminated' }),
  sent: count,
  report: ThreadReportSchema.nullable(),
});

const ThreadsStateSchema = z.looseObject({
  roster: z.array(AgentDefinitionSchema),
  limits: ThreadLimitsSchema,
  depth: count,
  records: z.array(ThreadRecordSchema),
});

const AttachedStoreSchema = z.looseObject({
  memory_store_id: z.string().min(1),
  name: z.string(),
  access: AccessSchema,
});

const ContextStateSchema = z.strictObject({
  cleared_through_seq: count,
  previous_request_tokens: count,
  added_tokens: count,
  tool_results: z.array(z.tuple([z.number().int().min(1), z.number().int()])),
});

/**
 * The current (version 2) shape, every field required: what `continueAsNew` writes today. Strict, and keyed by
 * SessionState's own fields, so a field added to SessionState without a line here does not compile.
 */
const SessionStateSchema = z.strictObject({
  version: z.literal(CURRENT_SESSION_STATE_VERSION),
  sessionId: z.string().min(1),
  agent: AgentDefinitionSchema,
  workspace: z.string().min(1),
  keepAliveSeconds: count,
  lifecycle: z.literal('api').optional(),
  budget: z.strictObject({ max_cost_cents: count }).optional(),
  allowedHosts: z.array(z.string().min(1)).optional(),
  customToolWaitSeconds: z.number().int().min(1).optional(),
  shellQueue: z.string().min(1).optional(),
  createdAt: z.string().min(1),
  nextSeq: z.number().int().min(1),
  usage: UsageSchema,
  turns: count,
  turnModelCalls: count,
  status: SessionStatusSchema,
  stopReason: StopReasonSchema.nullable(),
  finalMessage: z.string().nullable(),
  userMessagePending: z.boolean(),
  interruptRequested: z.boolean(),
  outcomes: z.array(OutcomeRecordSchema),
  pendingOutcomes: z.array(OutcomeDefinitionSchema),
  graderUsage: UsageSchema,
  thread: ThreadContextSchema.optional(),
  completedTurns: count,
  threads: ThreadsStateSchema,
  memory: z.looseObject({ prompt: z.string(), stores: z.array(AttachedStoreSchema) }),
  context: ContextStateSchema,
  mcp: z
    .strictObject({
      tools: z.array(
        z.looseObject({
          server: z.string().min(1),
          name: z.string().min(1),
          tool_name: z.string().min(1),
          description: z.string(),
          input_schema: z.looseObject({ type: z.literal('object') }),
        }),
      ),
    })
    .optional(),
} satisfies Record<keyof SessionState, z.ZodType>);

const ContinuedSessionSchema = z.strictObject({ continued: SessionStateSchema });
