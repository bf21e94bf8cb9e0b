/**
 * The session records: one file per event and the snapshot. The workflow makes both; the store stamps the schema
 * version on write and reads it back here.
 *
 * Versions:
 *   0  no version field (before the storage factory). Snapshots from Lucid's first sessions lack `grader_usage`,
 *      `outcome_evaluations` and `threads`; they read as zero usage and none.
 *   1  `schema_version: 1`; every snapshot field present.
 */
import { z } from 'zod';
import type { SessionEvent, SessionEventType, SessionSnapshot } from '../../domain/events';
import { RubricSchema } from '../../domain/outcome';
import { ZERO_USAGE } from '../../domain/usage';
import { noVersionField, RecordFormat, recordVersion, withoutVersion } from './record-format';
import { sessionErrorSchema, stopReasonSchema, textBlockSchema, timestamp, usageSchema } from './shared-schemas';

const text = z.array(textBlockSchema);
const imageBlockSchema = z.looseObject({
  type: z.literal('image'),
  source: z.looseObject({ type: z.literal('file'), file_id: z.string().min(1) }),
});
const documentBlockSchema = z.looseObject({
  type: z.literal('document'),
  source: z.looseObject({ type: z.literal('file'), file_id: z.string().min(1) }),
  estimated_tokens: z.number().int().min(0),
});
const userContent = z.array(z.union([textBlockSchema, imageBlockSchema, documentBlockSchema]));
const evaluatedPermission = z.enum(['allow', 'ask', 'deny']);
const toolEvaluation = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('always_ask') }),
  z.strictObject({
    type: z.literal('auto'),
    evaluated_permission: z.strictObject({ type: evaluatedPermission, reason_code: z.string().optional() }),
    reason: z.string(),
    model: z.string().optional(),
  }),
]);
const threadAgent = { session_thread_id: z.string().min(1), agent_name: z.string() };

/** Each event type's own fields. `satisfies` makes tsc fail here when an event type is added to the domain. */
const EVENT_BODIES = {
  'user.message': { content: userContent },
  'user.interrupt': {},
  'agent.message': { content: text },
  'agent.tool_use': {
    tool_use_id: z.string().min(1),
    name: z.string(),
    input: z.record(z.string(), z.unknown()),
    evaluated_permission: evaluatedPermission.optional(),
    evaluation: toolEvaluation.optional(),
  },
  'user.tool_confirmation': {
    tool_use_id: z.string().min(1),
    result: z.enum(['allow', 'deny']),
    deny_message: z.string().optional(),
    decided_by: z.string().min(1),
  },
  'agent.tool_result': { tool_use_id: z.string().min(1), content: text, is_error: z.boolean() },
  'agent.mcp_tool_use': {
    tool_use_id: z.string().min(1),
    tool_name: z.string().min(1),
    mcp_server_name: z.string().min(1),
    name: z.string().min(1),
    input: z.record(z.string(), z.unknown()),
    evaluated_permission: evaluatedPermission,
    evaluation: toolEvaluation.optional(),
  },
  'agent.mcp_tool_result': { mcp_tool_use_id: z.string().min(1), content: text, is_error: z.boolean() },
  'agent.custom_tool_use': {
    tool_use_id: z.string().min(1),
    name: z.string(),
    input: z.record(z.string(), z.unknown()),
  },
  'user.custom_tool_result': {
    custom_tool_use_id: z.string().min(1),
    tool_use_id: z.string().min(1),
    content: text,
    is_error: z.boolean(),
  },
  'session.status_running': {},
  'session.status_idle': { stop_reason: stopReasonSchema, stop_details: z.null() },
  'session.status_terminated': {},
  'session.error': { error: sessionErrorSchema },
  'span.model_request_start': { model: z.string() },
  'span.model_request_end': { model_request_start_id: z.string(), is_error: z.boolean(), model_usage: usageSchema },
  'span.context_cleared': {
    cleared_through_seq: z.number().int().min(0),
    tool_results_cleared: z.number().int().min(0),
    estimated_tokens_before: z.number().int().min(0),
    estimated_tokens_after: z.number().int().min(0),
  },
  'user.define_outcome': {
    outcome_id: z.string().min(1),
    description: z.string(),
    rubric: RubricSchema,
    max_iterations: z.number().int(),
    rubric_hidden: z.boolean(),
  },
  'session.thread_created': { ...threadAgent, workflow_run_id: z.string().nullable() },
  'session.thread_status_running': threadAgent,
  'session.thread_status_idle': { ...threadAgent, stop_reason: stopReasonSchema, stop_details: z.null() },
  'session.thread_status_terminated': threadAgent,
  'agent.thread_message_sent': { to_session_thread_id: z.string(), to_agent_name: z.string(), content: text },
  'agent.thread_message_received': { from_session_thread_id: z.string(), from_agent_name: z.string(), content: text },
  'agent.thread_context_compacted': {
    compacted_from_seq: z.number().int().min(1),
    compacted_through_seq: z.number().int().min(1),
    tokens_before: z.number().int().min(0),
    tokens_after: z.number().int().min(0),
    summary: text,
  },
  'span.outcome_evaluation_start': { outcome_id: z.string(), iteration: z.number().int() },
  'span.outcome_evaluation_ongoing': { outcome_id: z.string(), iteration: z.number().int() },
  'span.outcome_evaluation_end': {
    outcome_evaluation_start_id: z.string(),
    outcome_id: z.string(),
    iteration: z.number().int(),
    result: z.string().min(1),
    explanation: z.string(),
    criteria: z.array(z.looseObject({ criterion: z.string(), met: z.boolean(), explanation: z.string() })),
    max_iterations: z.number().int(),
    usage: usageSchema,
  },
} satisfies Record<SessionEventType, z.ZodRawShape>;

const eventEnvelope = {
  id: z.string().min(1),
  seq: z.number().int().min(1),
  processed_at: timestamp,
  session_thread_id: z.string().min(1).optional(),
};

function eventSchema(version: z.ZodType) {
  const options = Object.entries(EVENT_BODIES).map(([type, body]) =>
    z.looseObject({ schema_version: version, ...eventEnvelope, type: z.literal(type), ...body }),
  );
  return z.discriminatedUnion('type', options as [(typeof options)[number], ...(typeof options)[number][]]);
}

const toEvent = (record: Record<string, unknown>) => withoutVersion(record) as unknown as SessionEvent;

export const sessionEventFormat = new RecordFormat<SessionEvent>({
  kind: 'session event',
  current: 1,
  unversioned: 0,
  versions: {
    0: recordVersion(eventSchema(noVersionField), toEvent),
    1: recordVersion(eventSchema(z.literal(1)), toEvent),
  },
});

const outcomeEvaluationSchema = z.looseObject({
  type: z.literal('outcome_evaluation'),
  outcome_id: z.string().min(1),
  description: z.string(),
  result: z.string().min(1),
  iteration: z.number().int(),
  max_iterations: z.number().int(),
  explanation: z.string().nullable(),
  completed_at: z.string().nullable(),
});

const threadSummarySchema = z.looseObject({
  thread_id: z.string().min(1),
  session_id: z.string().min(1),
  agent_name: z.string(),
  status: z.string().min(1),
  turns: z.number().int(),
  usage: usageSchema,
});

const snapshotV1 = z.looseObject({
  schema_version: z.literal(1),
  session_id: z.string().min(1),
  agent: z.string(),
  status: z.enum(['running', 'idle', 'rescheduling', 'terminated']),
  stop_reason: stopReasonSchema.nullable(),
  final_message: z.string().nullable(),
  usage: usageSchema,
  grader_usage: usageSchema,
  outcome_evaluations: z.array(outcomeEvaluationSchema),
  threads: z.array(threadSummarySchema),
  turns: z.number().int().min(0),
  event_count: z.number().int().min(0),
  workspace: z.string(),
  created_at: timestamp,
  updated_at: timestamp,
  /** A terminal error, when the session ended on one. */
  error: z.looseObject({ type: z.string(), message: z.string() }).nullish(),
});

const snapshotV0 = snapshotV1.extend({
  schema_version: noVersionField,
  grader_usage: usageSchema.default({ ...ZERO_USAGE }),
  outcome_evaluations: z.array(outcomeEvaluationSchema).default([]),
  threads: z.array(threadSummarySchema).default([]),
});

const toSnapshot = (record: Record<string, unknown>) => withoutVersion(record) as unknown as SessionSnapshot;

export const sessionSnapshotFormat = new RecordFormat<SessionSnapshot>({
  kind: 'session snapshot',
  current: 1,
  unversioned: 0,
  versions: { 0: recordVersion(snapshotV0, toSnapshot), 1: recordVersion(snapshotV1, toSnapshot) },
});
