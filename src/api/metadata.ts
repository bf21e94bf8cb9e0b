/**
 * The API's `metadata`: at most 16 pairs, keys of 1–64 characters, values of at most 512. On update it is a patch,
 * where a key set to null (or, for the resources that say so, to "") is removed.
 */
import { z } from 'zod';
import { invalidRequest } from './api-error';

export const MAX_METADATA_PAIRS = 16;

const metadataKey = z.string().min(1).max(64);

export const MetadataSchema = z
  .record(metadataKey, z.string().max(512))
  .refine((pairs) => Object.keys(pairs).length <= MAX_METADATA_PAIRS, `at most ${MAX_METADATA_PAIRS} pairs`);

export const MetadataPatchSchema = z.record(metadataKey, z.string().max(512).nullable());

/**
 * `current` with `patch` applied: a key set to null is removed, and so is one set to a value in `alsoRemoving`; a
 * null patch removes every key, an omitted one changes nothing.
 */
export function patchMetadata(
  current: Record<string, string>,
  patch: Record<string, string | null> | null | undefined,
  alsoRemoving: readonly string[] = [],
): Record<string, string> {
  if (patch === undefined) return current;
  if (patch === null) return {};
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || alsoRemoving.includes(value)) delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > MAX_METADATA_PAIRS) {
    throw invalidRequest(`metadata: at most ${MAX_METADATA_PAIRS} pairs`);
  }
  return next;
}
