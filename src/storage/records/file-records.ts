/**
 * Uploaded files' metadata (src/storage/file-store.ts), written once when the upload is whole.
 *
 * Versions:
 *   1  `schema_version: 1`.
 */
import { z } from 'zod';
import type { StoredFile } from '../file-store';
import { RecordFormat, recordVersion, withoutVersion } from './record-format';
import { timestamp } from './shared-schemas';

const fileSchema = z.strictObject({
  schema_version: z.literal(1),
  id: z.string().min(1),
  filename: z.string().min(1),
  mime_type: z.string().min(1),
  size_bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  created_at: timestamp,
  expires_at: timestamp.nullable(),
});

export const fileMetadataFormat = new RecordFormat<StoredFile>({
  kind: 'file metadata',
  current: 1,
  versions: { 1: recordVersion(fileSchema, (record) => withoutVersion(record) as StoredFile) },
});
