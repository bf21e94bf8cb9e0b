import fs from 'node:fs/promises';
import { atomicWriteFile } from '../workspace/atomic-write';
import { readRecordFile } from './fs-records';
import { callFile } from './layout';
import { journalEntryFormat, type JournalEntry } from './records/journal-records';
import type { ToolJournal } from './tool-journal';

/** {@link ToolJournal} as one JSON file per call in `dir` (a session's `tool-journal` folder, see layout.ts). */
export class FsToolJournal implements ToolJournal {
  constructor(readonly dir: string) {}

  async read(callId: string): Promise<JournalEntry | null> {
    return readRecordFile(callFile(this.dir, callId), journalEntryFormat);
  }

  async write(entry: JournalEntry): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await atomicWriteFile(callFile(this.dir, entry.callId), `${journalEntryFormat.serialize(entry)}\n`);
  }

  async remove(callId: string): Promise<void> {
    await fs.rm(callFile(this.dir, callId), { force: true });
  }
}
