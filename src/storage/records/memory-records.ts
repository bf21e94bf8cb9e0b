/**
 * The filesystem memory store's records: an index generation (the store, its live memories without content and
 * the ids of every committed version) and a version file (one immutable change, content included).
 *
 * Index versions, in its `format` field (there since memory stores began):
 *   1  the shape below.
 * Version-file versions:
 *   0  no version field (before the storage factory); the same shape as 1.
 *   1  `schema_version: 1`.
 */
import { z } from 'zod';
import { memoryActorSchema, type Memory, type MemoryStore, type MemoryVersion } from '../../memory/memory-store';
import { noVersionField, RecordFormat, recordVersion, withoutVersion } from './record-format';
import { timestamp } from './shared-schemas';

/** A memory as the index keeps it: everything but the content, which is in its current version's file. */
export type MemoryRecord = Omit<Memory, 'content'>;

export interface StoreIndex {
  format: 1;
  store: MemoryStore;
  memories: MemoryRecord[];
  /** Every committed version, oldest first. A version file not listed here was never committed. */
  versions: Array<{ id: string; memory_id: string }>;
}

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const storeSchema = z.strictObject({
  type: z.literal('memory_store'),
  id: z.string().min(1),
  name: z.string(),
  description: z.string(),
  created_at: timestamp,
  updated_at: timestamp,
  archived_at: z.string().nullable(),
});

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

const indexV1 = z.strictObject({
  format: z.literal(1),
  store: storeSchema,
  memories: z.array(memoryRecordSchema),
  versions: z.array(z.strictObject({ id: z.string().min(1), memory_id: z.string().min(1) })),
});

export const memoryIndexFormat = new RecordFormat<StoreIndex>({
  kind: 'memory store index',
  versionField: 'format',
  current: 1,
  versions: { 1: recordVersion(indexV1, (index) => index) },
});

function versionSchema(version: z.ZodType) {
  return z.strictObject({
    schema_version: version,
    type: z.literal('memory_version'),
    id: z.string().min(1),
    memory_id: z.string().min(1),
    memory_store_id: z.string().min(1),
    operation: z.enum(['created', 'modified', 'deleted']),
    path: z.string().min(1),
    content: z.string().nullable(),
    content_sha256: sha256,
    content_size_bytes: z.number().int().min(0),
    created_at: timestamp,
    created_by: memoryActorSchema,
  });
}

const toVersion = (record: Record<string, unknown>) => withoutVersion(record) as unknown as MemoryVersion;

export const memoryVersionFormat = new RecordFormat<MemoryVersion>({
  kind: 'memory version',
  current: 1,
  unversioned: 0,
  versions: {
    0: recordVersion(versionSchema(noVersionField), toVersion),
    1: recordVersion(versionSchema(z.literal(1)), toVersion),
  },
});
