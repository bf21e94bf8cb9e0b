import type { Pool } from 'pg';
import type { ThreadArchiveStore } from '../thread-archive-store';

/** {@link ThreadArchiveStore} on PostgreSQL: a row an archived thread; archiving again keeps the first time. */
export class PgThreadArchiveStore implements ThreadArchiveStore {
  constructor(private readonly pool: Pool) {}

  async archived(sessionId: string): Promise<Record<string, string>> {
    const { rows } = await this.pool.query<{ thread_id: string; archived_at: string }>(
      'SELECT thread_id, archived_at FROM lucid_thread_archives WHERE session_id = $1',
      [sessionId],
    );
    return Object.fromEntries(rows.map((row) => [row.thread_id, row.archived_at]));
  }

  async archive(sessionId: string, threadId: string, at: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO lucid_thread_archives (session_id, thread_id, archived_at) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [sessionId, threadId, at],
    );
  }
}
