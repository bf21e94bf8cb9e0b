/**
 * System prompts stored by content (prompt-store.ts): a session's model activities name the prompt by its hash
 * instead of carrying it in every workflow history event.
 *
 * Versions:
 *   1  `schema_version: 1`, the prompt's `sha256` (lowercase hex of its UTF-8 bytes) and its `text`.
 */
import { z } from 'zod';
import { RecordFormat, recordVersion, withoutVersion } from './record-format';

/** 64 lowercase hex digits. */
export const PromptHashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a sha-256 hash in lowercase hex');

export interface StoredPrompt {
  sha256: string;
  text: string;
}

const promptSchema = z.strictObject({ schema_version: z.literal(1), sha256: PromptHashSchema, text: z.string() });

export const promptFormat = new RecordFormat<StoredPrompt>({
  kind: 'stored prompt',
  current: 1,
  versions: { 1: recordVersion(promptSchema, (record) => withoutVersion(record) as unknown as StoredPrompt) },
});
