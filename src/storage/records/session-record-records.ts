/**
 * The API's session records (src/storage/session-record-store.ts), one file a session.
 *
 * Versions:
 *   1  `schema_version: 1`.
 *   2  the agent as an agent version record 2 (with `multiagent`), and `roster`: the versions of its coordinator's
 *      agents the session pinned (absent without a roster). A 1 is read with `multiagent: null` and no roster.
 */
import { z } from 'zod';
import type { SessionRecord } from '../session-record-store';
import { agentFieldsV1, agentFieldsV2, agentV1ToCurrent } from './agent-records';
import { RecordFormat, recordVersion, withoutVersion } from './record-format';
import { timestamp } from './shared-schemas';

const sessionRecordV1Fields = {
  id: z.string().min(1),
  agent: agentFieldsV1,
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
};

const sessionRecordV1 = z.strictObject({ ...sessionRecordV1Fields, schema_version: z.literal(1) });
const sessionRecordV2 = z.strictObject({
  ...sessionRecordV1Fields,
  schema_version: z.literal(2),
  agent: agentFieldsV2,
  roster: z.array(agentFieldsV2).optional(),
});

export const sessionRecordFormat = new RecordFormat<SessionRecord>({
  kind: 'session record',
  current: 2,
  versions: {
    1: recordVersion(sessionRecordV1, (record) => {
      const fields = withoutVersion(record);
      return { ...fields, agent: agentV1ToCurrent(fields.agent) } as unknown as SessionRecord;
    }),
    2: recordVersion(sessionRecordV2, (record) => withoutVersion(record) as unknown as SessionRecord),
  },
});
