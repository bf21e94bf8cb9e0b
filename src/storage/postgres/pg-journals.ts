import type { Pool } from 'pg';
import type { MemoryJournal } from '../memory-journal';
import {
  journalEntryFormat,
  memoryIntentFormat,
  type JournalEntry,
  type MemoryIntent,
} from '../records/journal-records';
import type { ToolJournal } from '../tool-journal';

/**
 * A session's journals on PostgreSQL: one row a call. A statement is atomic and, once it returns, committed
 * (durable as the server's settings make commits durable), which is what the exactly-once protocols need.
 */
export class PgToolJournal implements ToolJournal {
  constructor(
    private readonly pool: Pool,
    private readonly sessionId: string,
  ) {}

  async read(callId: string): Promise<JournalEntry | null> {
    const record = await readRow(this.pool, 'lucid_tool_journal', this.sessionId, callId);
    return record === undefined
      ? null
      : journalEntryFormat.fromRecord(record, location('lucid_tool_journal', this.sessionId, callId));
  }

  async write(entry: JournalEntry): Promise<void> {
    await writeRow(this.pool, 'lucid_tool_journal', this.sessionId, entry.callId, journalEntryFormat.serialize(entry));
  }

  async remove(callId: string): Promise<void> {
    await this.pool.query('DELETE FROM lucid_tool_journal WHERE session_id = $1 AND call_id = $2', [
      this.sessionId,
      callId,
    ]);
  }

  async callIds(): Promise<string[]> {
    const { rows } = await this.pool.query<{ call_id: string }>(
      'SELECT call_id FROM lucid_tool_journal WHERE session_id = $1',
      [this.sessionId],
    );
    return rows.map((row) => row.call_id);
  }
}

export class PgMemoryJournal implements MemoryJournal {
  constructor(
    private readonly pool: Pool,
    private readonly sessionId: string,
  ) {}

  async read(callId: string): Promise<MemoryIntent | null> {
    const record = await readRow(this.pool, 'lucid_memory_journal', this.sessionId, callId);
    return record === undefined
      ? null
      : memoryIntentFormat.fromRecord(record, location('lucid_memory_journal', this.sessionId, callId));
  }

  async write(callId: string, intent: MemoryIntent): Promise<void> {
    await writeRow(this.pool, 'lucid_memory_journal', this.sessionId, callId, memoryIntentFormat.serialize(intent));
  }
}

type JournalTable = 'lucid_tool_journal' | 'lucid_memory_journal';

async function readRow(pool: Pool, table: JournalTable, sessionId: string, callId: string): Promise<unknown> {
  const { rows } = await pool.query<{ record: unknown }>(
    `SELECT record FROM ${table} WHERE session_id = $1 AND call_id = $2`,
    [sessionId, callId],
  );
  return rows[0]?.record;
}

async function writeRow(pool: Pool, table: JournalTable, sessionId: string, callId: string, record: string) {
  await pool.query(
    `INSERT INTO ${table} (session_id, call_id, record) VALUES ($1, $2, $3)
     ON CONFLICT (session_id, call_id) DO UPDATE SET record = EXCLUDED.record`,
    [sessionId, callId, record],
  );
}

const location = (table: JournalTable, sessionId: string, callId: string) =>
  `postgres ${table} (${sessionId}, ${callId})`;
