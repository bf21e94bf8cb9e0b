/**
 * The request shapes of `client.beta.memoryStores`, `.memories` and `.memoryVersions` (SDK 1.15.0), checked at the
 * route's edge. Unknown fields are refused. Zod checks shapes and types; the memory store checks the rules it owns
 * (path syntax, content size, name characters, metadata limits), so the CLI, sessions and the API share one rule.
 */
import { z } from 'zod';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../pagination';

/** With `view=full` a page holds at most this many items, as the API's. */
export const MAX_FULL_VIEW_LIMIT = 20;
/** Deeper than a path can be (20 segments) means the same as 0, "everything". */
const MAX_DEPTH = 20;

const idBody = '[A-Za-z0-9]{1,64}';
const idOf = (prefix: string, what: string) =>
  z.string().regex(new RegExp(`^${prefix}${idBody}$`), `not a ${what} id (${prefix}...)`);
export const MemoryStoreIdSchema = idOf('memstore_', 'memory store');
const MemoryIdSchema = idOf('mem_', 'memory');
const MemoryVersionIdSchema = idOf('memver_', 'memory version');

export const StorePathSchema = z.strictObject({ memory_store_id: MemoryStoreIdSchema });
export const MemoryPathSchema = z.strictObject({ memory_store_id: MemoryStoreIdSchema, memory_id: MemoryIdSchema });
export const VersionPathSchema = z.strictObject({
  memory_store_id: MemoryStoreIdSchema,
  memory_version_id: MemoryVersionIdSchema,
});

const metadataKey = z.string().min(1).max(64);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a content_sha256 is 64 lowercase hex digits');
const timestamp = z.iso.datetime({ offset: true });
const limit = z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT);
const page = z.string().min(1).optional();
const view = z.enum(['basic', 'full']).optional();
const booleanText = z.enum(['true', 'false']).transform((value) => value === 'true');

export const StoreCreateSchema = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  metadata: z.record(metadataKey, z.string().max(512)).optional(),
});
export type StoreCreateParams = z.infer<typeof StoreCreateSchema>;

/** null leaves a field as it is, except `metadata: null`, which removes every key. */
export const StoreUpdateSchema = z.strictObject({
  name: z.string().nullish(),
  description: z.string().nullish(),
  metadata: z.record(metadataKey, z.string().max(512).nullable()).nullish(),
});
export type StoreUpdateParams = z.infer<typeof StoreUpdateSchema>;

export const StoreListQuerySchema = z.strictObject({
  limit,
  page,
  include_archived: booleanText.default(false),
  'created_at[gte]': timestamp.optional(),
  'created_at[lte]': timestamp.optional(),
});
export type StoreListQuery = z.infer<typeof StoreListQuerySchema>;

export const EmptyQuerySchema = z.strictObject({});
export const ViewQuerySchema = z.strictObject({ view });

export const MemoryCreateSchema = z.strictObject({
  path: z.string(),
  content: z.string({ error: 'content: send a string ("" makes an empty memory)' }),
});
export type MemoryCreateParams = z.infer<typeof MemoryCreateSchema>;

export const MemoryUpdateSchema = z.strictObject({
  content: z.string().nullish(),
  path: z.string().nullish(),
  precondition: z.strictObject({ type: z.literal('content_sha256'), content_sha256: sha256 }).optional(),
});
export type MemoryUpdateParams = z.infer<typeof MemoryUpdateSchema>;

export const MemoryListQuerySchema = z.strictObject({
  limit,
  page,
  view,
  path_prefix: z.string().optional(),
  depth: z.coerce.number().int().min(0).max(MAX_DEPTH).default(0),
});
export type MemoryListQuery = z.infer<typeof MemoryListQuerySchema>;

export const MemoryDeleteQuerySchema = z.strictObject({ expected_content_sha256: sha256.optional() });

export const VersionListQuerySchema = z.strictObject({
  limit,
  page,
  view,
  memory_id: MemoryIdSchema.optional(),
  operation: z.enum(['created', 'modified', 'deleted']).optional(),
  session_id: z.string().min(1).optional(),
  api_key_id: z.string().min(1).optional(),
  service_account_id: z.string().min(1).optional(),
  'created_at[gte]': timestamp.optional(),
  'created_at[lte]': timestamp.optional(),
});
export type VersionListQuery = z.infer<typeof VersionListQuerySchema>;

export type View = 'basic' | 'full';

/** The page size a list answers with: `view=full` caps it. */
export function pageLimit(requested: number, chosen: View): number {
  return chosen === 'full' ? Math.min(requested, MAX_FULL_VIEW_LIMIT) : requested;
}
