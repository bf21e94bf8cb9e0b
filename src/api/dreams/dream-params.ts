/**
 * The request shapes of `client.beta.dreams` (SDK 1.15.0's DreamCreateParams, DreamListParams), plus Lucid's review
 * extension (`review` on create, the change decision body), checked at the route's edge. Unknown fields are refused.
 */
import { z } from 'zod';
import { MAX_DREAM_SESSIONS } from '../../domain/dream';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../pagination';

/** `memstore_` and the id body src/memory makes; anything else cannot name a store. */
const MemoryStoreIdSchema = z.string().regex(/^memstore_[A-Za-z0-9]{1,64}$/, 'not a memory store id (memstore_...)');

/**
 * A session id as Lucid makes them (`sesn_...`), or a workflow id a Temporal CLI user chose: letters, digits and
 * `_.-`, so it is one safe path segment.
 */
const SessionIdSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/, 'not a session id (sesn_...)');

const MemoryStoreInputSchema = z.strictObject({
  type: z.literal('memory_store'),
  memory_store_id: MemoryStoreIdSchema,
});
const SessionsInputSchema = z.strictObject({
  type: z.literal('sessions'),
  session_ids: z
    .array(SessionIdSchema)
    .min(1)
    .max(MAX_DREAM_SESSIONS)
    .refine((ids) => new Set(ids).size === ids.length, 'session ids must be unique'),
});

/** Exactly one `memory_store` entry and exactly one `sessions` entry, in either order. */
const InputsSchema = z
  .array(z.discriminatedUnion('type', [MemoryStoreInputSchema, SessionsInputSchema]))
  .refine((inputs) => inputs.filter((input) => input.type === 'memory_store').length === 1, {
    message: 'give exactly one {"type": "memory_store"} entry',
  })
  .refine((inputs) => inputs.filter((input) => input.type === 'sessions').length === 1, {
    message: 'give exactly one {"type": "sessions"} entry',
  });

const ModelSchema = z.union([
  z.string().min(1).max(256),
  z.strictObject({ id: z.string().min(1).max(256), speed: z.enum(['standard', 'fast']).nullish() }),
]);

const OutputBehaviorSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('create_new') }),
  z.strictObject({ type: z.literal('update_existing'), memory_store_id: MemoryStoreIdSchema }),
]);

export const DreamCreateSchema = z.strictObject({
  inputs: InputsSchema,
  model: ModelSchema,
  instructions: z.string().min(1).max(4096).nullish(),
  output_behavior: OutputBehaviorSchema.optional(),
  /** Lucid's extension: `human` holds every proposed change for a decision (the changes routes). */
  review: z.enum(['auto', 'human']).default('auto'),
});
export type DreamCreateParams = z.infer<typeof DreamCreateSchema>;

/** Query strings arrive as text: numbers and booleans are parsed here. */
const limit = z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT);
const booleanText = z.enum(['true', 'false']).transform((value) => value === 'true');
const DreamStatusSchema = z.enum(['pending', 'running', 'completed', 'failed', 'canceled']);
/** One value of a repeated parameter arrives as a string, several as an array. */
const oneOrMany = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(schema)).optional();

/**
 * `statuses`, as the SDK sends it (`statuses[]=a&statuses[]=b`) or as a hand-written request may
 * (`statuses=a&statuses=b`), as one list; absent when neither is given.
 */
function mergeStatuses<S, Q extends { 'statuses[]'?: S[]; statuses?: S[] }>({
  'statuses[]': bracketed,
  statuses,
  ...rest
}: Q) {
  return { ...rest, statuses: bracketed || statuses ? [...(bracketed ?? []), ...(statuses ?? [])] : undefined };
}

export const DreamListQuerySchema = z
  .strictObject({
    limit,
    page: z.string().min(1).optional(),
    include_archived: booleanText.default(false),
    'created_at[gt]': z.iso.datetime({ offset: true }).optional(),
    'created_at[lt]': z.iso.datetime({ offset: true }).optional(),
    'statuses[]': oneOrMany(DreamStatusSchema),
    statuses: oneOrMany(DreamStatusSchema),
  })
  .transform(mergeStatuses);
export type DreamListQuery = z.infer<typeof DreamListQuerySchema>;

const ChangeStatusSchema = z.enum(['pending', 'approved', 'rejected', 'expired', 'applied', 'conflicted']);

export const ChangeListQuerySchema = z
  .strictObject({
    limit,
    page: z.string().min(1).optional(),
    'statuses[]': oneOrMany(ChangeStatusSchema),
    statuses: oneOrMany(ChangeStatusSchema),
  })
  .transform(mergeStatuses);
export type ChangeListQuery = z.infer<typeof ChangeListQuerySchema>;

/** A decision on one change, or on all pending ones: who decided (recorded with it) and why. */
export const DecisionBodySchema = z.strictObject({
  by: z.string().min(1).max(255).default('api'),
  comment: z.string().max(4096).optional(),
});
export type DecisionBody = z.infer<typeof DecisionBodySchema>;

/** `drm_` and the id body Lucid makes (src/domain/ids.ts). */
const DreamIdSchema = z.string().regex(/^drm_[A-Za-z0-9_-]{1,64}$/, 'not a dream id (drm_...)');
const ChangeIdSchema = z.string().regex(/^chg_[0-9]{1,6}$/, 'not a change id (chg_...)');

export const DreamPathSchema = z.strictObject({ dream_id: DreamIdSchema });
export const ChangePathSchema = z.strictObject({ dream_id: DreamIdSchema, change_id: ChangeIdSchema });
