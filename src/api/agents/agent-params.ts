/**
 * The request shapes of `client.beta.agents` (SDK 1.15.0's AgentCreateParams, AgentUpdateParams, ...), checked at
 * the route's edge. Unknown fields are refused. Fields the API has but Lucid cannot honour yet are accepted only
 * at their empty value (an empty list, null, the default), and otherwise refused by {@link refuseUnsupported}
 * with a message saying so, so no setting is stored and then ignored.
 */
import { z } from 'zod';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../pagination';
import { AgentIdSchema } from './agent-id';
import { MultiagentParamSchema } from './agent-multiagent';
import { MetadataPatchSchema, MetadataSchema } from '../metadata';

export { AgentIdSchema };

const EffortSchema = z.union([
  z.enum(['low', 'medium', 'high', 'xhigh', 'max']),
  z.strictObject({ type: z.enum(['low', 'medium', 'high', 'xhigh', 'max']) }),
]);

/** A model id or the API's model object; Lucid honours only the id. */
export const ModelSchema = z.union([
  z.string().min(1).max(256),
  z.strictObject({
    id: z.string().min(1).max(256),
    effort: EffortSchema.nullish(),
    speed: z.enum(['standard', 'fast']).nullish(),
    inference_geo: z.string().nullish(),
  }),
]);
export type ModelParam = z.infer<typeof ModelSchema>;

/** Checked in detail by AgentToolsSchema once the kinds Lucid lacks are refused. */
export const ToolEntrySchema = z.looseObject({ type: z.string() });

const ExecutionIdentitySchema = z.looseObject({ type: z.string() });

/** Fields create and update share, with the values that leave them unset. */
const shared = {
  description: z.string().max(2048).nullish(),
  system: z.string().max(100_000).nullish(),
  tools: z.array(ToolEntrySchema).max(256).nullish(),
  /** Checked in detail by AgentDefinitionSchema (src/domain/mcp-servers.ts). */
  mcp_servers: z
    .array(z.looseObject({ type: z.string() }))
    .max(20)
    .nullish(),
  skills: z.array(z.unknown()).nullish(),
  /** Checked here for shape; resolved against the store, and refused where Lucid cannot, by agent-multiagent.ts. */
  multiagent: MultiagentParamSchema.nullish(),
  execution_identity: ExecutionIdentitySchema.nullish(),
};

export const AgentCreateSchema = z.strictObject({
  name: z.string().min(1).max(256),
  model: ModelSchema,
  metadata: MetadataSchema.optional(),
  ...shared,
});
export type AgentCreateParams = z.infer<typeof AgentCreateSchema>;

export const AgentUpdateSchema = z.strictObject({
  name: z.string().min(1).max(256).optional(),
  model: ModelSchema.optional(),
  metadata: MetadataPatchSchema.nullish(),
  /** The version the caller last saw: the update applies only if it is still the newest. */
  version: z.number().int().min(1).optional(),
  ...shared,
});
export type AgentUpdateParams = z.infer<typeof AgentUpdateSchema>;

/** Query strings arrive as text: numbers and booleans are parsed here. */
const limit = z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT);
const booleanText = z.enum(['true', 'false']).transform((value) => value === 'true');

export const AgentListQuerySchema = z.strictObject({
  limit,
  page: z.string().min(1).optional(),
  include_archived: booleanText.default(false),
  'created_at[gte]': z.iso.datetime({ offset: true }).optional(),
  'created_at[lte]': z.iso.datetime({ offset: true }).optional(),
});

export const VersionListQuerySchema = z.strictObject({ limit, page: z.string().min(1).optional() });

export const AgentRetrieveQuerySchema = z.strictObject({ version: z.coerce.number().int().min(1).optional() });

export const AgentPathSchema = z.strictObject({ agent_id: AgentIdSchema });

/** The first thing in `params` Lucid cannot honour yet, as a message; null when there is none. */
export function unsupportedIn(params: Omit<Partial<AgentCreateParams>, 'metadata'>): string | null {
  if (params.skills?.length) return 'skills: skills are not supported by Lucid yet';
  const identity = params.execution_identity;
  if (identity && identity.type !== 'service_account') {
    return `execution_identity: only {"type": "service_account"} is supported by Lucid`;
  }
  return unsupportedModel(params.model);
}

function unsupportedModel(model: ModelParam | undefined): string | null {
  if (model === undefined || typeof model === 'string') return null;
  if (model.effort != null) return 'model.effort: not supported by Lucid yet; send the model id alone';
  if (model.speed != null && model.speed !== 'standard') return 'model.speed: only "standard" is supported by Lucid';
  if (model.inference_geo != null) return 'model.inference_geo: not supported by Lucid';
  return null;
}
