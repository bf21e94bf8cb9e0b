/**
 * The dream registry's records: a dream, a store's "last dreamt over" mark, a store's hold, and a dream's HTTP
 * API record.
 *
 * Versions (the first three):
 *   0  no version field (before the storage factory); the same shape as 1.
 *   1  `schema_version: 1`. A dream's changes may carry `provenance` and `trusted` (added with the workflow patch
 *      `dream-evidence-provenance`, no version bump: the fields are optional, so records saved before them read as
 *      they were; test/fixtures/records/dream.v1.json is one).
 * Versions (the API record):
 *   1  `schema_version: 1`.
 */
import { z } from 'zod';
import { DreamInputSchema, type Dream, type ParsedDreamInput } from '../../domain/dream';
import { noVersionField, RecordFormat, recordVersion, withoutVersion } from './record-format';
import { timestamp, usageSchema } from './shared-schemas';

const evidenceSchema = z.looseObject({ session_id: z.string().min(1), seqs: z.array(z.number().int()) });

const changeSchema = z.looseObject({
  id: z.string().min(1),
  op: z.enum(['add', 'edit', 'merge', 'delete']),
  rationale: z.string(),
  evidence: z.array(evidenceSchema),
  support: z.number().int(),
  provenance: z
    .array(
      z.looseObject({
        session_id: z.string().min(1),
        seq: z.number().int(),
        kind: z.enum(['user_message', 'agent_reasoning', 'tool_output']),
      }),
    )
    .optional(),
  trusted: z.boolean().optional(),
  base_sha256: z.record(z.string(), z.string().nullable()),
  diff: z.string(),
  status: z.enum(['pending', 'approved', 'rejected', 'expired', 'applied', 'conflicted']),
  decision: z.looseObject({ by: z.string(), comment: z.string().nullable(), at: timestamp }).nullable(),
  status_detail: z.string().nullable(),
});

function dreamSchema(version: z.ZodType) {
  return z.looseObject({
    schema_version: version,
    type: z.literal('dream'),
    id: z.string().min(1),
    status: z.enum(['pending', 'running', 'completed', 'failed', 'canceled']),
    phase: z.enum(['starting', 'reading', 'consolidating', 'awaiting_review', 'applying', 'done', 'skipped']),
    memory_store_id: z.string().min(1),
    session_ids: z.array(z.string()),
    model: z.string(),
    instructions: z.string().nullable(),
    review: z.enum(['auto', 'human']),
    output_behavior: z.looseObject({ type: z.enum(['create_new', 'update_existing']) }),
    outputs: z.array(z.looseObject({ type: z.literal('memory_store'), memory_store_id: z.string().min(1) })),
    changes: z.array(changeSchema),
    review_log: z.array(
      z.looseObject({
        at: timestamp,
        by: z.string(),
        decision: z.enum(['approved', 'rejected']),
        change_id: z.string().nullable(),
        result: z.string(),
      }),
    ),
    usage: usageSchema,
    error: z.looseObject({ type: z.string(), message: z.string() }).nullable(),
    review_deadline: z.string().nullable(),
    created_at: timestamp,
    ended_at: z.string().nullable(),
  });
}

export const dreamFormat = new RecordFormat<Dream>({
  kind: 'dream record',
  current: 1,
  unversioned: 0,
  versions: {
    0: recordVersion(dreamSchema(noVersionField), (record) => withoutVersion(record) as unknown as Dream),
    1: recordVersion(dreamSchema(z.literal(1)), (record) => withoutVersion(record) as unknown as Dream),
  },
});

/** When a memory store was last dreamt over: moves when a dream that read sessions completes. */
export interface StoreDreamMark {
  last_dream_at: string;
  last_dream_id: string;
}

function markSchema(version: z.ZodType) {
  return z.strictObject({ schema_version: version, last_dream_at: timestamp, last_dream_id: z.string().min(1) });
}

export const storeDreamMarkFormat = new RecordFormat<StoreDreamMark>({
  kind: 'dream mark',
  current: 1,
  unversioned: 0,
  versions: {
    0: recordVersion(markSchema(noVersionField), ({ last_dream_at, last_dream_id }) => ({
      last_dream_at,
      last_dream_id,
    })),
    1: recordVersion(markSchema(z.literal(1)), ({ last_dream_at, last_dream_id }) => ({
      last_dream_at,
      last_dream_id,
    })),
  },
});

/** Which `update_existing` dream holds a memory store, and since when. */
export interface StoreHold {
  dream_id: string;
  since: string;
}

function holdSchema(version: z.ZodType) {
  return z.strictObject({ schema_version: version, dream_id: z.string().min(1), since: timestamp });
}

export const storeHoldFormat = new RecordFormat<StoreHold>({
  kind: 'dream hold',
  current: 1,
  unversioned: 0,
  versions: {
    0: recordVersion(holdSchema(noVersionField), ({ dream_id, since }) => ({ dream_id, since })),
    1: recordVersion(holdSchema(z.literal(1)), ({ dream_id, since }) => ({ dream_id, since })),
  },
});

/**
 * What the HTTP API keeps of a dream beyond the workflow's record: the time it answered the create with (so the
 * dream lists and reads the same before and after the workflow first saves), the input it started the workflow
 * with (to show a dream no worker has picked up yet), and when it was archived. `input` is null for a dream
 * started outside the API (the CLI, a schedule) and archived through it.
 */
export interface DreamApiRecord {
  id: string;
  created_at: string;
  archived_at: string | null;
  input: ParsedDreamInput | null;
}

const apiRecordSchema = z.strictObject({
  schema_version: z.literal(1),
  id: z.string().min(1),
  created_at: timestamp,
  archived_at: timestamp.nullable(),
  input: DreamInputSchema.nullable(),
});

export const dreamApiRecordFormat = new RecordFormat<DreamApiRecord>({
  kind: 'dream API record',
  current: 1,
  versions: {
    1: recordVersion(apiRecordSchema, ({ id, created_at, archived_at, input }) => ({
      id,
      created_at,
      archived_at,
      input,
    })),
  },
});
