/**
 * API agents (src/domain/api-agent.ts): one immutable record per version, and a marker once the agent is archived.
 *
 * Versions (agent versions):
 *   1  `schema_version: 1`.
 *   2  adds `multiagent`: the coordinator roster, each entry pinned to a version, or null (what a 1 is read as).
 *      Later, optionally, `mcp_servers` (absent: none), so every version-2 record stays valid as written.
 * Archive marks: 1.
 */
import { z } from 'zod';
import type { ApiAgentVersion } from '../../domain/api-agent';
import { RecordFormat, recordVersion, withoutVersion } from './record-format';
import { timestamp } from './shared-schemas';

const agentVersionV1Fields = {
  id: z.string().min(1),
  version: z.number().int().min(1),
  name: z.string().min(1),
  description: z.string().nullable(),
  system: z.string().nullable(),
  model: z.string().min(1),
  // Validated as a toolset when the agent is run (AgentDefinitionSchema); here only its JSON shape.
  tools: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])),
  metadata: z.record(z.string(), z.string()),
  created_at: timestamp,
  updated_at: timestamp,
};

const coordinatorSchema = z.strictObject({
  type: z.literal('coordinator'),
  agents: z.array(
    z.strictObject({ type: z.literal('agent'), id: z.string().min(1), version: z.number().int().min(1) }),
  ),
});

/** The fields of an agent version of each record version, also embedded in session records (agent and roster). */
export const agentFieldsV1 = z.strictObject(agentVersionV1Fields);
export const agentFieldsV2 = z.strictObject({
  ...agentVersionV1Fields,
  multiagent: coordinatorSchema.nullable(),
  // Validated when the agent is run (AgentDefinitionSchema); here only its JSON shape.
  mcp_servers: z.array(z.record(z.string(), z.unknown())).optional(),
});

export const agentVersionFormat = new RecordFormat<ApiAgentVersion>({
  kind: 'agent version',
  current: 2,
  versions: {
    1: recordVersion(agentFieldsV1.extend({ schema_version: z.literal(1) }), (record) =>
      agentV1ToCurrent(withoutVersion(record)),
    ),
    2: recordVersion(
      agentFieldsV2.extend({ schema_version: z.literal(2) }),
      (record) => withoutVersion(record) as unknown as ApiAgentVersion,
    ),
  },
});

/** An agent saved before `multiagent` was served had none. */
export function agentV1ToCurrent(agent: z.infer<typeof agentFieldsV1>): ApiAgentVersion {
  return { ...(agent as unknown as ApiAgentVersion), multiagent: null };
}

/** When an agent was archived; archiving is not a new version and cannot be undone. */
export interface AgentArchive {
  archived_at: string;
}

const archiveSchema = z.strictObject({ schema_version: z.literal(1), archived_at: timestamp });

export const agentArchiveFormat = new RecordFormat<AgentArchive>({
  kind: 'agent archive mark',
  current: 1,
  versions: { 1: recordVersion(archiveSchema, ({ archived_at }) => ({ archived_at })) },
});
