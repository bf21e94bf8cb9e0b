import type { JournalEntry } from './records/journal-records';

export type { JournalEntry } from './records/journal-records';

/**
 * One session's workspace tool journal: an entry per tool_use id, which src/workspace/tool-journal.ts uses to run
 * each call exactly once under activity retries. Every write must be atomic (a reader never sees half an entry)
 * and durable before it returns, because the protocol orders side effects around it.
 */
export interface ToolJournal {
  /** The entry for `callId`, or null when the call never reached a recorded step. */
  read(callId: string): Promise<JournalEntry | null>;
  /** Creates or replaces the entry for `entry.callId`. */
  write(entry: JournalEntry): Promise<void>;
  /** Forgets the entry for `callId` (no-op when there is none). */
  remove(callId: string): Promise<void>;
  /** The call ids that have an entry, in no particular order (for audits such as the chaos run's checks). */
  callIds(): Promise<string[]>;
}
