/**
 * The filesystem memory store's records: an index generation (the store, its live memories without content and
 * the ids of every committed version) and a version file (one immutable change, content included).
 *
 * Index versions, in its `format` field (there since memory stores began):
 *   1  a store without metadata (read as `metadata: {}`).
 *   2  the shape below: the store has `metadata`.
 * Version-file versions:
 *   0  no version field (before the storage factory); the same shape as 1.
 *   1  `schema_version: 1`.
 *   2  as 1, or a redacted version: path, content, hash and size null, with `redacted_at` and `redacted_by`.
 */
import { z } from 'zod';
import { memoryActorSchema, type Memory, type MemoryStore, type MemoryVersion } from '../../memory/memory-store';
import { noVersionField, RecordFormat, recordVersion, withoutVersion } from './record-format';
import { timestamp } from './shared-schemas';

/** A memory as the index keeps it: everything but the content, which is in its current version's file. */
export type MemoryRecord = Omit<Memory, 'content'>;

export interface StoreIndex {
  format: 2;
  store: MemoryStore;
  memories: MemoryRecord[];
  /** Every committed version, oldest first. A version file not listed here was never committed. */
  versions: Array<{ id: string; memory_id: string }>;
}

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const storeV1Schema = z.strictObject({
  type: z.literal('memory_store'),
  id: z.string().min(1),
  name: z.string(),
  description: z.string(),
  created_at: timestamp,
  updated_at: timestamp,
  archived_at: z.string().nullable(),
});
const storeSchema = storeV1Schema.extend({ metadata: z.record(z.string(), z.string()) });

const memoryRecordSchema = z.strictObject({
  type: z.literal('memory'),
  id: z.string().min(1),
  memory_store_id: z.string().min(1),
  path: z.string().min(1),
  content_sha256: sha256,
  content_size_bytes: z.number().int().min(0),
  memory_version_id: z.string().min(1),
  created_at: timestamp,
  updated_at: timestamp,
});

const indexFields = {
  memories: z.array(memoryRecordSchema),
  versions: z.array(z.strictObject({ id: z.string().min(1), memory_id: z.string().min(1) })),
};
const indexV1 = z.strictObject({ format: z.literal(1), store: storeV1Schema, ...indexFields });
const indexV2 = z.strictObject({ format: z.literal(2), store: storeSchema, ...indexFields });

export const memoryIndexFormat = new RecordFormat<StoreIndex>({
  kind: 'memory store index',
  versionField: 'format',
  current: 2,
  versions: {
    1: recordVersion(indexV1, (index) => ({ ...index, format: 2, store: { ...index.store, metadata: {} } })),
    2: recordVersion(indexV2, (index) => index),
  },
});

const versionFields = {
  type: z.literal('memory_version'),
  id: z.string().min(1),
  memory_id: z.string().min(1),
  memory_store_id: z.string().min(1),
  operation: z.enum(['created', 'modified', 'deleted']),
  created_at: timestamp,
  created_by: memoryActorSchema,
};
const writtenFields = {
  path: z.string().min(1),
  content: z.string().nullable(),
  content_sha256: sha256,
  content_size_bytes: z.number().int().min(0),
};

function writtenVersionSchema(version: z.ZodType) {
  return z.strictObject({ schema_version: version, ...versionFields, ...writtenFields });
}

const redactedVersionSchema = z.strictObject({
  schema_version: z.literal(2),
  ...versionFields,
  path: z.null(),
  content: z.null(),
  content_sha256: z.null(),
  content_size_bytes: z.null(),
  redacted_at: timestamp,
  redacted_by: memoryActorSchema,
});

const toVersion = (record: Record<string, unknown>) => withoutVersion(record) as unknown as MemoryVersion;

export const memoryVersionFormat = new RecordFormat<MemoryVersion>({
  kind: 'memory version',
  current: 2,
  unversioned: 0,
  versions: {
    0: recordVersion(writtenVersionSchema(noVersionField), toVersion),
    1: recordVersion(writtenVersionSchema(z.literal(1)), toVersion),
    2: recordVersion(z.union([writtenVersionSchema(z.literal(2)), redactedVersionSchema]), toVersion),
  },
});

/*
 * The PostgreSQL memory store's rows (src/storage/postgres/pg-memory-store.ts) hold the same shapes, one a row:
 * a store (`lucid_memory_stores`) and a live memory without content (`lucid_memories`); versions are the
 * version-file records above (`lucid_memory_versions`).
 *   1  the shapes above, with `schema_version: 1`.
 */
export const memoryStoreFormat = new RecordFormat<MemoryStore>({
  kind: 'memory store',
  current: 1,
  versions: {
    1: recordVersion(storeSchema.extend({ schema_version: z.literal(1) }), (row) => withoutVersion(row) as MemoryStore),
  },
});

export const memoryRecordFormat = new RecordFormat<MemoryRecord>({
  kind: 'memory',
  current: 1,
  versions: {
    1: recordVersion(
      memoryRecordSchema.extend({ schema_version: z.literal(1) }),
      (row) => withoutVersion(row) as MemoryRecord,
    ),
  },
});
