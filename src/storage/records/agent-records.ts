/**
 * API agents (src/domain/api-agent.ts): one immutable record per version, and a marker once the agent is archived.
 *
 * Versions (both):
 *   1  `schema_version: 1`.
 */
import { z } from 'zod';
import type { ApiAgentVersion } from '../../domain/api-agent';
import { RecordFormat, recordVersion, withoutVersion } from './record-format';
import { timestamp } from './shared-schemas';

export const agentVersionSchema = z.strictObject({
  schema_version: z.literal(1),
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
});

export const agentVersionFormat = new RecordFormat<ApiAgentVersion>({
  kind: 'agent version',
  current: 1,
  versions: {
    1: recordVersion(agentVersionSchema, (record) => withoutVersion(record) as unknown as ApiAgentVersion),
  },
});

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
