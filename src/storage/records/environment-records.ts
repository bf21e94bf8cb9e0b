/**
 * API environments (src/domain/environment.ts): one record each, rewritten whole on every change.
 *
 * Versions:
 *   1  `schema_version: 1`.
 */
import { z } from 'zod';
import type { ApiEnvironment } from '../../domain/environment';
import { RecordFormat, recordVersion, withoutVersion } from './record-format';
import { timestamp } from './shared-schemas';

const environmentSchema = z.strictObject({
  schema_version: z.literal(1),
  id: z.string().min(1),
  name: z.string().min(1),
  description: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  config: z.strictObject({
    type: z.literal('cloud'),
    networking: z.strictObject({
      type: z.literal('limited'),
      allowed_hosts: z.array(z.string()),
      allow_mcp_servers: z.literal(false),
      allow_package_managers: z.literal(false),
    }),
  }),
  created_at: timestamp,
  updated_at: timestamp,
  archived_at: timestamp.nullable(),
});

export const environmentFormat = new RecordFormat<ApiEnvironment>({
  kind: 'environment',
  current: 1,
  versions: { 1: recordVersion(environmentSchema, (record) => withoutVersion(record) as ApiEnvironment) },
});
