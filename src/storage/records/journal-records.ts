/**
 * The per-call journals that make tool calls exactly-once under activity retries.
 *
 * Workspace tool journal entries, in their `version` field (there since the journal began):
 *   1  `done` with the outcome, or `pending` with the outcome and the write in flight.
 *   2  adds `started`: a shell command in flight, which must not run again.
 * Memory tool intents:
 *   0  no version field (before the storage factory); the same shape as 1.
 *   1  `schema_version: 1`.
 */
import { z } from 'zod';
import { noVersionField, RecordFormat, recordVersion, withoutVersion } from './record-format';

const toolOutcomeSchema = z.object({ content: z.string(), is_error: z.boolean() });

function entrySchemas<V extends z.ZodType>(version: V) {
  const header = { version, callId: z.string(), name: z.string() };
  return {
    done: z.object({ ...header, state: z.literal('done'), outcome: toolOutcomeSchema }),
    pending: z.object({
      ...header,
      state: z.literal('pending'),
      outcome: toolOutcomeSchema,
      /** Paths relative to the workspace root. */
      write: z.object({ target: z.string(), temp: z.string(), sha256: z.string() }),
    }),
    /** A `bash` command was handed to the shell and has not reported back (src/shell/bash-call.ts). */
    started: z.object({ ...header, state: z.literal('started') }),
  };
}

const v1 = entrySchemas(z.literal(1));
const v2 = entrySchemas(z.literal(2));

export const journalEntrySchema = z.discriminatedUnion('state', [v2.done, v2.pending, v2.started]);

/** One tool call's journal entry. */
export type JournalEntry = z.infer<typeof journalEntrySchema>;

export const journalEntryFormat = new RecordFormat<JournalEntry>({
  kind: 'tool journal entry',
  versionField: 'version',
  current: 2,
  versions: {
    1: recordVersion(z.discriminatedUnion('state', [v1.done, v1.pending]), (entry) => ({ ...entry, version: 2 })),
    2: recordVersion(journalEntrySchema, (entry) => entry),
  },
});

/** What a memory tool write intends, recorded before it is applied. */
export interface MemoryIntent {
  state: 'pending' | 'done';
  result: string;
  /** The memory's content hash after the write (null: deleted). */
  after_sha256: string | null;
  store_id: string;
  path: string;
}

function intentSchema(version: z.ZodType) {
  return z.strictObject({
    schema_version: version,
    state: z.enum(['pending', 'done']),
    result: z.string(),
    after_sha256: z.string().nullable(),
    store_id: z.string().min(1),
    path: z.string().min(1),
  });
}

const toIntent = (record: Record<string, unknown>) => withoutVersion(record) as unknown as MemoryIntent;

export const memoryIntentFormat = new RecordFormat<MemoryIntent>({
  kind: 'memory tool intent',
  current: 1,
  unversioned: 0,
  versions: {
    0: recordVersion(intentSchema(noVersionField), toIntent),
    1: recordVersion(intentSchema(z.literal(1)), toIntent),
  },
});
