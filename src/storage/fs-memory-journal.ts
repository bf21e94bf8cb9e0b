import fs from 'node:fs/promises';
import { atomicWriteFile } from '../workspace/atomic-write';
import { readRecordFile } from './fs-records';
import { callFile } from './layout';
import type { MemoryJournal } from './memory-journal';
import { memoryIntentFormat, type MemoryIntent } from './records/journal-records';

/** {@link MemoryJournal} as one JSON file per call in `dir` (a session's `memory-journal` folder, see layout.ts). */
export class FsMemoryJournal implements MemoryJournal {
  constructor(readonly dir: string) {}

  async read(callId: string): Promise<MemoryIntent | null> {
    return readRecordFile(callFile(this.dir, callId), memoryIntentFormat);
  }

  async write(callId: string, intent: MemoryIntent): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await atomicWriteFile(callFile(this.dir, callId), memoryIntentFormat.serialize(intent));
  }
}
