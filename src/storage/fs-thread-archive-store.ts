import fs from 'node:fs/promises';
import path from 'node:path';
import { atomicWriteFile } from '../workspace/atomic-write';
import { readRecordFile } from './fs-records';
import { threadArchiveFormat } from './records/thread-archive-records';
import { safeFileName } from './safe-file-name';
import type { ThreadArchiveStore } from './thread-archive-store';

/**
 * {@link ThreadArchiveStore} in the data directory: `thread-archives/<session>.json`. Writes are serialized per
 * store, so two archives of one session's threads at once both land.
 */
export class FsThreadArchiveStore implements ThreadArchiveStore {
  private readonly dir: string;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'thread-archives');
  }

  async archived(sessionId: string): Promise<Record<string, string>> {
    return (await readRecordFile(this.file(sessionId), threadArchiveFormat))?.archived ?? {};
  }

  archive(sessionId: string, threadId: string, at: string): Promise<void> {
    const write = this.writes.then(async () => {
      const archived = await this.archived(sessionId);
      if (archived[threadId]) return;
      await fs.mkdir(this.dir, { recursive: true });
      const record = threadArchiveFormat.serialize({ archived: { ...archived, [threadId]: at } }, 2);
      await atomicWriteFile(this.file(sessionId), `${record}\n`);
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  private file(sessionId: string): string {
    return path.join(this.dir, `${safeFileName(sessionId)}.json`);
  }
}
