/**
 * The API's session records (src/storage/session-record-store.ts), one file a session.
 *
 * Versions:
 *   1  `schema_version: 1`.
 */
import { z } from 'zod';
import type { SessionRecord } from '../session-record-store';
import { agentVersionSchema } from './agent-records';
import { RecordFormat, recordVersion, withoutVersion } from './record-format';
import { timestamp } from './shared-schemas';

const sessionRecordSchema = z.strictObject({
  schema_version: z.literal(1),
  id: z.string().min(1),
  agent: agentVersionSchema.omit({ schema_version: true }),
  environment_id: z.string(),
  title: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  resources: z.array(z.record(z.string(), z.unknown())),
  budget: z
    .strictObject({
      type: z.literal('limit'),
      max_list_cost: z.strictObject({ amount: z.string(), currency: z.string() }),
    })
    .nullable(),
  vault_ids: z.array(z.string()),
  created_at: timestamp,
  updated_at: timestamp,
  archived_at: timestamp.nullable(),
});

export const sessionRecordFormat = new RecordFormat<SessionRecord>({
  kind: 'session record',
  current: 1,
  versions: {
    1: recordVersion(sessionRecordSchema, (record) => withoutVersion(record) as unknown as SessionRecord),
  },
});
