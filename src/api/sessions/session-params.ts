/**
 * The request shapes of `client.beta.sessions` (SDK 1.15.0's SessionCreateParams, SessionUpdateParams,
 * SessionListParams), checked at the route's edge. Unknown fields are refused; fields Lucid cannot honour yet are
 * accepted only at their empty value and otherwise refused with a message saying so (session-service.ts).
 * The events of `initial_events` and `events.send` are read in session-events.ts.
 */
import { z } from 'zod';
import { AgentIdSchema, ModelSchema, ToolEntrySchema } from '../agents/agent-params';
import { MetadataPatchSchema, MetadataSchema } from '../metadata';
import { FileResourceParamsSchema } from '../files/file-resource';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../pagination';

/** `{type: "agent", id, version?}`: a version pins it; without one the newest is pinned. */
const AgentReferenceSchema = z.strictObject({
  type: z.literal('agent'),
  id: AgentIdSchema,
  version: z.number().int().min(1).optional(),
});

/** The agent with fields replaced for this session only; each given field replaces the agent's whole. */
const AgentWithOverridesSchema = z.strictObject({
  type: z.literal('agent_with_overrides'),
  id: AgentIdSchema,
  version: z.number().int().min(1).optional(),
  model: ModelSchema.optional(),
  system: z.string().max(100_000).nullish(),
  tools: z.array(ToolEntrySchema).max(256).optional(),
  /** Checked in detail by AgentDefinitionSchema (src/domain/mcp-servers.ts). */
  mcp_servers: z
    .array(z.looseObject({ type: z.string() }))
    .max(20)
    .optional(),
  skills: z.array(z.unknown()).optional(),
});
export type AgentWithOverrides = z.infer<typeof AgentWithOverridesSchema>;

export const SessionAgentParamSchema = z.union([AgentIdSchema, AgentReferenceSchema, AgentWithOverridesSchema]);
export type SessionAgentParam = z.infer<typeof SessionAgentParamSchema>;

const ResourceSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('github_repository'),
    url: z.string().min(1).max(2048),
    authorization_token: z.string().optional(),
    checkout: z
      .union([
        z.strictObject({ type: z.literal('branch'), name: z.string().min(1) }),
        z.strictObject({ type: z.literal('commit'), sha: z.string().min(1) }),
      ])
      .nullish(),
    mount_path: z.string().max(4096).nullish(),
  }),
  FileResourceParamsSchema,
  z.strictObject({
    type: z.literal('memory_store'),
    memory_store_id: z.string().min(1),
    access: z.enum(['read_write', 'read_only']).nullish(),
    instructions: z.string().max(4096).nullish(),
  }),
]);
export type ResourceParam = z.infer<typeof ResourceSchema>;

export const BudgetSchema = z.strictObject({
  type: z.literal('limit'),
  max_list_cost: z.strictObject({
    amount: z.string().regex(/^\d+$/, 'the amount is whole minor units (cents) as a string, e.g. "500"'),
    currency: z.literal('USD'),
  }),
});

export const SessionCreateSchema = z.strictObject({
  agent: SessionAgentParamSchema,
  environment_id: z.string().min(1).max(256),
  budget: BudgetSchema.optional(),
  /** Read event by event in session-events.ts, so a bad one is named by its index. */
  initial_events: z.array(z.unknown()).max(50).optional(),
  metadata: MetadataSchema.optional(),
  resources: z.array(ResourceSchema).max(100).optional(),
  title: z.string().max(512).nullish(),
  vault_ids: z.array(z.string()).optional(),
});
export type SessionCreateParams = z.infer<typeof SessionCreateSchema>;

export const SessionUpdateSchema = z.strictObject({
  agent: z
    .strictObject({ tools: z.array(z.unknown()).optional(), mcp_servers: z.array(z.unknown()).optional() })
    .optional(),
  budget: BudgetSchema.nullish(),
  metadata: MetadataPatchSchema.nullish(),
  title: z.string().max(512).nullish(),
  vault_ids: z.array(z.string()).optional(),
});
export type SessionUpdateParams = z.infer<typeof SessionUpdateSchema>;

export const SESSION_STATUSES = ['rescheduling', 'running', 'idle', 'terminated'] as const;
const StatusSchema = z.enum(SESSION_STATUSES);
const timestampFilter = z.iso.datetime({ offset: true }).optional();

/** Query strings arrive as text; the SDK sends arrays with brackets (`statuses[]=idle&statuses[]=running`). */
export const SessionListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
  page: z.string().min(1).optional(),
  agent_id: AgentIdSchema.optional(),
  agent_version: z.coerce.number().int().min(1).optional(),
  'created_at[gt]': timestampFilter,
  'created_at[gte]': timestampFilter,
  'created_at[lt]': timestampFilter,
  'created_at[lte]': timestampFilter,
  deployment_id: z.string().optional(),
  include_archived: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .default(false),
  memory_store_id: z.string().min(1).optional(),
  order: z.enum(['asc', 'desc']).default('desc'),
  'statuses[]': z
    .union([StatusSchema, z.array(StatusSchema)])
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .optional(),
});
export type SessionListQuery = z.infer<typeof SessionListQuerySchema>;

/** `sesn_` and an id body: Lucid makes base58 bodies; LucidClient callers may have chosen their own. */
export const SessionIdSchema = z.string().regex(/^sesn_[A-Za-z0-9_-]{1,128}$/, 'not a session id (sesn_...)');

export const SessionPathSchema = z.strictObject({ session_id: SessionIdSchema });

export const EventsSendSchema = z.strictObject({ events: z.array(z.unknown()).min(1).max(50) });
