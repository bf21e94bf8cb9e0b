/**
 * Which of a session's threads were archived through the API (`sessions.threads.archive`), and when. Lucid's
 * threads live in their lead's log, which the API does not write, so the archive marks are kept beside it: one
 * record a session, for API sessions and sessions started without the API alike.
 */
export interface ThreadArchiveStore {
  /** Thread id → when it was archived (RFC 3339); empty when none was. */
  archived(sessionId: string): Promise<Record<string, string>>;
  /** Marks it archived at `at`; a thread archived already keeps its first time. */
  archive(sessionId: string, threadId: string, at: string): Promise<void>;
}
