/**
 * The thread archive marks of a session (src/storage/thread-archive-store.ts), one file a session.
 *
 * Versions:
 *   1  `schema_version: 1`, `archived`: thread id → archive time.
 */
import { z } from 'zod';
import { RecordFormat, recordVersion, withoutVersion } from './record-format';
import { timestamp } from './shared-schemas';

export interface ThreadArchiveRecord {
  archived: Record<string, string>;
}

const threadArchiveV1 = z.strictObject({
  schema_version: z.literal(1),
  archived: z.record(z.string().min(1), timestamp),
});

export const threadArchiveFormat = new RecordFormat<ThreadArchiveRecord>({
  kind: 'thread archive record',
  current: 1,
  versions: { 1: recordVersion(threadArchiveV1, (record) => withoutVersion(record)) },
});
