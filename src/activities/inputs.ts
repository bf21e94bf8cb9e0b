/**
 * Every activity's input, parsed with zod before the activity runs. An activity input is written by the workflow
 * into history and read by whichever worker runs the attempt, perhaps one of the next release during a deploy,
 * so it is checked like any input crossing a process boundary: a malformed one fails at once, non-retryable
 * (it would fail the same way on every retry), naming the activity and the field.
 *
 * No version field: an input lives only from scheduling to the activity's end. The schemas are loose (fields they
 * do not list pass through) and a new field must be optional, so adjacent releases read each other's inputs.
 * Records that reach the disk (events, snapshots, dreams) get their full schema in the storage layer; here only
 * the fields an activity relies on are checked.
 *
 * A refusal is not marked as an expected failure (unlike the activity boundary's): a malformed input is a bug in
 * the code that scheduled the activity, so the SDK logs it in full. Zod's messages name fields, never values.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { FailureType } from '../domain/failure-types';
import { DreamSessionsSchema } from '../domain/dream';
import { RubricSchema } from '../domain/outcome';
import { UserToolDefinitionSchema } from '../domain/user-tools';
import { describeIssues, SessionFileSchema } from '../domain/session-input';
import { MemoryAttachmentSchema } from '../memory/attachments';
import { PromptHashSchema } from '../storage/records/prompt-records';

const id = z.string().min(1).max(512);
const count = z.number().int().min(0);

/** What persisting an event relies on; the event's full shape is the session store's to check. */
const EventSchema = z.looseObject({ id: z.string().min(1), seq: z.number().int().min(1), type: z.string().min(1) });

const AttachedStoreSchema = z.looseObject({
  memory_store_id: id,
  name: z.string(),
  access: z.enum(['read_only', 'read_write']),
});

const StoreAndDreamSchema = z.looseObject({ memory_store_id: id, dream_id: id });

export const ACTIVITY_INPUT_SCHEMAS = {
  // session.ts
  loadAgentDefinition: z.string(),
  prepareWorkspace: z.looseObject({
    sessionId: id,
    workspace: z.string().min(1).optional(),
    files: z.array(SessionFileSchema).optional(),
  }),
  persistEvents: z.looseObject({ sessionId: id, events: z.array(EventSchema) }),
  storeSystemPrompt: z.looseObject({ text: z.string() }),
  saveSnapshot: z.looseObject({ session_id: id }),
  resolveRubric: z.looseObject({ workspace: z.string().min(1), rubric: RubricSchema }),
  // model.ts
  callModel: z.looseObject({
    sessionId: id,
    model: z.string().min(1),
    // One of the two: inline (sessions from before prompt-by-reference) or by hash.
    system: z.string().optional(),
    system_sha256: PromptHashSchema.optional(),
    tools: z.array(z.string()),
    max_tokens: z.number().int().min(1),
    delegate: z
      .array(z.looseObject({ name: z.string().min(1), description: z.string(), model: z.string() }))
      .optional(),
    memory_stores: z.array(z.looseObject({ name: z.string(), access: z.enum(['read_only', 'read_write']) })).optional(),
    user_tools: z.array(UserToolDefinitionSchema).optional(),
    throughSeq: count,
    events: z.array(EventSchema).optional(),
    clearedThroughSeq: count.optional(),
    tool_results_in_journal: z.array(z.number().int().min(1)).optional(),
  }),
  // compaction.ts
  compactContext: z.looseObject({
    sessionId: id,
    model: z.string().min(1),
    system: z.string(),
    tools: z.array(z.string()),
    max_tokens: z.number().int().min(1),
    user_tools: z.array(UserToolDefinitionSchema).optional(),
    throughSeq: count,
    events: z.array(EventSchema).optional(),
    clearedThroughSeq: count.optional(),
    context_window: z.number().int().min(1),
    trigger_tokens: z.number().int().min(0),
    keep_turns: count,
    instructions: z.string().optional(),
  }),
  // tools.ts
  runTool: z.looseObject({ sessionId: id, workspace: z.string().min(1), toolUseId: id, name: z.string().min(1) }),
  // mcp.ts (server definitions were validated with the agent definition)
  listMcpTools: z.looseObject({
    sessionId: id,
    servers: z.array(z.looseObject({ server: z.looseObject({ name: z.string().min(1) }), toolset: z.looseObject({}) })),
  }),
  callMcpTool: z.looseObject({
    sessionId: id,
    toolUseId: id,
    server: z.looseObject({ type: z.enum(['url', 'stdio']), name: z.string().min(1) }),
    name: z.string().min(1),
    input: z.record(z.string(), z.unknown()),
  }),
  // shell.ts
  runBash: z.looseObject({
    sessionId: id,
    workspace: z.string().min(1),
    toolUseId: id,
    name: z.literal('bash'),
    allowedHosts: z.array(z.string().min(1)).optional(),
    shellQueue: z.string().min(1).optional(),
  }),
  // grader.ts
  gradeOutcome: z.looseObject({
    sessionId: id,
    outcomeId: id,
    iteration: count,
    description: z.string(),
    rubricText: z.string(),
    deliverable: z.string().nullable(),
    workspace: z.string().min(1),
    model: z.string().min(1),
  }),
  // permission-judge.ts
  judgeToolCall: z.looseObject({
    sessionId: id,
    toolUseId: id,
    tool: z.string().min(1),
    input: z.record(z.string(), z.unknown()),
    purpose: z.string(),
  }),
  // memory.ts
  loadMemoryContext: z.looseObject({ attachments: z.array(MemoryAttachmentSchema), budget_chars: count }),
  runMemoryTool: z.looseObject({ sessionId: id, toolUseId: id, stores: z.array(AttachedStoreSchema) }),
  // dream.ts
  findDreamSessions: z.looseObject({ memory_store_id: id, sessions: DreamSessionsSchema }),
  reflectOnSession: z.looseObject({
    dream_id: id,
    session_id: id,
    memory_store_id: id,
    model: z.string().min(1),
    instructions: z.string().optional(),
    budget_chars: count,
  }),
  proposeDreamChanges: z.looseObject({
    dream_id: id,
    memory_store_id: id,
    lessons: z.array(z.looseObject({ text: z.string(), kind: z.string(), evidence: z.array(z.looseObject({})) })),
    model: z.string().min(1),
    instructions: z.string().optional(),
  }),
  classifyDreamEvidence: z.looseObject({
    changes: z.array(
      z.looseObject({
        id,
        evidence: z.array(z.looseObject({ session_id: id, seqs: z.array(z.number().int()) })),
      }),
    ),
  }),
  copyMemoryStore: StoreAndDreamSchema,
  holdMemoryStore: StoreAndDreamSchema,
  releaseMemoryStore: StoreAndDreamSchema,
  applyDreamChange: z.looseObject({
    memory_store_id: id,
    dream_id: id,
    change: z.looseObject({ id, op: z.enum(['add', 'edit', 'merge', 'delete']) }),
  }),
  saveDream: z.looseObject({ type: z.literal('dream'), id }),
  describeThreadWorkflow: z.object({ workflowId: id }),
};

type Activity = (input: never) => Promise<unknown>;

/**
 * The activities with each one's first argument parsed by its schema first. `schemas` must name every activity,
 * so a new activity does not compile without an input schema.
 */
export function withValidatedInputs<T extends Record<string, Activity>>(
  activities: T,
  schemas: { [Name in keyof T]: z.ZodType },
): T {
  const wrapped: Record<string, Activity> = {};
  for (const [name, activity] of Object.entries(activities)) {
    const schema = schemas[name];
    wrapped[name] = (raw: never) => {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const message = `invalid ${name} input: ${describeIssues(parsed.error)}`;
        return Promise.reject(ApplicationFailure.nonRetryable(message, FailureType.InvalidActivityInput));
      }
      return activity(parsed.data as never);
    };
  }
  return wrapped as T;
}
