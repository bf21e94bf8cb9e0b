/**
 * The request shapes of `client.beta.sessions.events` list / stream and `client.beta.sessions.threads` (SDK
 * 1.15.0), checked at the route's edge. Unknown query fields are refused; so are malformed ids and filters.
 */
import { z } from 'zod';
import { DEFAULT_PAGE_LIMIT } from '../pagination';

/** The SDK's own tool runner reads a session's history 1,000 events a page. */
export const MAX_EVENT_PAGE_LIMIT = 1_000;

/** The API's event types (BetaManagedAgentsSessionEventType) and Lucid's own (span.context_cleared). */
export const EVENT_TYPES = [
  'user.message',
  'user.interrupt',
  'user.tool_confirmation',
  'user.custom_tool_result',
  'user.tool_result',
  'user.define_outcome',
  'system.message',
  'agent.custom_tool_use',
  'agent.message',
  'agent.thinking',
  'agent.mcp_tool_use',
  'agent.mcp_tool_result',
  'agent.tool_use',
  'agent.tool_result',
  'agent.thread_message_received',
  'agent.thread_message_sent',
  'agent.thread_context_compacted',
  'session.error',
  'session.status_rescheduled',
  'session.status_running',
  'session.status_idle',
  'session.status_terminated',
  'session.thread_created',
  'session.thread_status_running',
  'session.thread_status_idle',
  'session.thread_status_terminated',
  'session.thread_status_rescheduled',
  'session.updated',
  'session.usage',
  'session.deleted',
  'span.outcome_evaluation_start',
  'span.outcome_evaluation_end',
  'span.outcome_evaluation_ongoing',
  'span.model_request_start',
  'span.model_request_end',
  'span.context_cleared',
  'workflow_run.created',
  'workflow_run.status_running',
  'workflow_run.status_idle',
  'workflow_run.status_ended',
  'workflow_run.error',
  'workflow_run.phase_started',
  'workflow_run.phase_ended',
] as const;

const ID_BODY = '[1-9A-HJ-NP-Za-km-z]{1,64}';

/** `sesn_` and the id body Lucid makes (src/domain/ids.ts); anything else cannot name a session. */
export const SessionIdSchema = z.string().regex(new RegExp(`^sesn_${ID_BODY}$`), 'not a session id (sesn_...)');
export const ThreadIdSchema = z.string().regex(new RegExp(`^sthr_${ID_BODY}$`), 'not a thread id (sthr_...)');

export const SessionPathSchema = z.strictObject({ session_id: SessionIdSchema });
export const ThreadPathSchema = z.strictObject({ session_id: SessionIdSchema, thread_id: ThreadIdSchema });

/** The SDK sends arrays as `key[]=a&key[]=b`; one value arrives as a string. */
function listOf<T extends z.ZodType>(item: T) {
  return z.union([item.transform((value) => [value]), z.array(item)]);
}

const limit = z.coerce.number().int().min(1).max(MAX_EVENT_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT);
const page = z.string().min(1).optional();
const timestamp = z.iso.datetime({ offset: true }).optional();

export const EventListQuerySchema = z.strictObject({
  limit,
  page,
  order: z.enum(['asc', 'desc']).default('asc'),
  'types[]': listOf(z.enum(EVENT_TYPES)).optional(),
  'created_at[gt]': timestamp,
  'created_at[gte]': timestamp,
  'created_at[lt]': timestamp,
  'created_at[lte]': timestamp,
});
export type EventListQuery = z.infer<typeof EventListQuerySchema>;

export const ThreadEventListQuerySchema = z.strictObject({ limit, page });

/**
 * `event_deltas[]` is the API's; the rest are Lucid's resume options: `last_event_id` (as the Last-Event-ID
 * header) sends what follows that event, `replay=true` the whole log from its first event.
 */
export const EventStreamQuerySchema = z.strictObject({
  'event_deltas[]': listOf(z.enum(['agent.message', 'agent.thinking'])).optional(),
  last_event_id: z.string().min(1).max(512).optional(),
  replay: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .default(false),
});
export type EventStreamQuery = z.infer<typeof EventStreamQuerySchema>;

export const ThreadListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(DEFAULT_PAGE_LIMIT),
  page,
  'statuses[]': listOf(z.enum(['running', 'idle', 'rescheduling', 'terminated'])).optional(),
  /** Lucid's extension (the SDK's ThreadListParams has none): archived threads are listed only when asked. */
  include_archived: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .default(false),
});
export type ThreadListQuery = z.infer<typeof ThreadListQuerySchema>;

/** Routes that take no query parameters. */
export const NoQuerySchema = z.strictObject({});
