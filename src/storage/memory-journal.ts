import type { MemoryIntent } from './records/journal-records';

export type { MemoryIntent } from './records/journal-records';

/**
 * One session's memory tool journal: the intent of each write, by tool_use id, so a retried memory tool call
 * never applies twice (src/memory/memory-tool.ts). Writes are atomic and durable before they return.
 */
export interface MemoryJournal {
  read(callId: string): Promise<MemoryIntent | null>;
  write(callId: string, intent: MemoryIntent): Promise<void>;
}
