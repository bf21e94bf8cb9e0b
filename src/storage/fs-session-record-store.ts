import fs from 'node:fs/promises';
import path from 'node:path';
import { atomicWriteFile } from '../workspace/atomic-write';
import { readRecordFiles, readRecordFile } from './fs-records';
import { DataLayout } from './layout';
import { sessionRecordFormat } from './records/session-record-records';
import type { SessionRecord, SessionRecordStore } from './session-record-store';

/** {@link SessionRecordStore} in the data directory: `api-sessions/<session>.json` (layout.ts). */
export class FsSessionRecordStore implements SessionRecordStore {
  private readonly layout: DataLayout;

  constructor(dataDir: string) {
    this.layout = new DataLayout(dataDir);
  }

  async put(record: SessionRecord): Promise<void> {
    const file = this.layout.sessionRecordFile(record.id);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await atomicWriteFile(file, `${sessionRecordFormat.serialize(record, 2)}\n`);
  }

  async get(sessionId: string): Promise<SessionRecord | null> {
    return readRecordFile(this.layout.sessionRecordFile(sessionId), sessionRecordFormat);
  }

  async list(): Promise<SessionRecord[]> {
    return readRecordFiles(this.layout.sessionRecordsDir, sessionRecordFormat);
  }

  async delete(sessionId: string): Promise<void> {
    await fs.rm(this.layout.sessionRecordFile(sessionId), { force: true });
  }
}
