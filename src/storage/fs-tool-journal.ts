import fs from 'node:fs/promises';
import { atomicWriteFile, TEMP_FILE_PREFIX } from '../workspace/atomic-write';
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

  /** The entries' file names decoded (see callFile); temp files of unfinished writes are not entries. */
  async callIds(): Promise<string[]> {
    const names = await fs.readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    return names
      .filter((name) => name.endsWith('.json') && !name.startsWith(TEMP_FILE_PREFIX))
      .map((name) => decodeURIComponent(name.slice(0, -'.json'.length)));
  }
}
