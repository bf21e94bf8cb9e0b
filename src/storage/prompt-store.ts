/**
 * Prompts kept by content: `put` stores a text under the sha-256 of its UTF-8 bytes and returns the hash, `get`
 * gives the text back. Content-addressed, so storing the same prompt again (a retried activity, the next run of a
 * continued session) writes nothing new, and a hash always names exactly one text.
 */
export interface PromptStore {
  /** Stores `text` (idempotent) and returns its sha-256, 64 lowercase hex digits. Durable before it returns. */
  put(text: string): Promise<string>;
  /** The text stored under `sha256`, or null when there is none. */
  get(sha256: string): Promise<string | null>;
}
