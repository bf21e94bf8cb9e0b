import { watch } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SessionEvent, SessionSnapshot } from '../domain/events';
import { atomicWriteFile } from '../workspace/atomic-write';
import { readdirOrEmpty, readRecordFile } from './fs-records';
import { DataLayout } from './layout';
import { sessionEventFormat, sessionSnapshotFormat } from './records/session-records';
import type { EventLogWatch, SessionStore } from './session-store';

const SEQ_DIGITS = 10;

/**
 * Filesystem session store: one file an event under `sessions/<session>/events/` (so a retried write of the same
 * seq is naturally idempotent) and the snapshot in `sessions/<session>/session.json` (paths in layout.ts).
 * Every file is written to a temp name, synced and renamed, so readers (and a crash) never see a torn file.
 */
export class FsSessionStore implements SessionStore {
  private readonly layout: DataLayout;

  constructor(dataDir: string) {
    this.layout = new DataLayout(dataDir);
  }

  async appendEvents(sessionId: string, events: readonly SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    const dir = this.layout.eventsDir(sessionId);
    await fs.mkdir(dir, { recursive: true });
    await Promise.all(
      events.map((event) =>
        atomicWriteFile(path.join(dir, seqFileName(event.seq)), sessionEventFormat.serialize(event)),
      ),
    );
  }

  async readEvents(sessionId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<SessionEvent[]> {
    const { afterSeq = 0, limit = Number.MAX_SAFE_INTEGER } = options;
    const dir = this.layout.eventsDir(sessionId);
    const wanted = (await readdirOrEmpty(dir))
      .filter((name) => name.endsWith('.json'))
      .map((name) => Number(name.slice(0, -'.json'.length)))
      .filter((seq) => Number.isInteger(seq) && seq > afterSeq)
      .sort((a, b) => a - b)
      .slice(0, limit);
    return Promise.all(
      wanted.map(async (seq) => {
        const file = path.join(dir, seqFileName(seq));
        return sessionEventFormat.parse(await fs.readFile(file, 'utf8'), file);
      }),
    );
  }

  /** inotify on the events folder: each event file lands there by a rename, which it reports. */
  watchEvents(sessionId: string, onChange: () => void): EventLogWatch | null {
    try {
      const watcher = watch(this.layout.eventsDir(sessionId), { persistent: false }, () => onChange());
      watcher.on('error', () => watcher.close()); // e.g. the folder was deleted; the reader's poll goes on
      return watcher;
    } catch {
      return null; // no events folder yet
    }
  }

  async saveSnapshot(snapshot: SessionSnapshot): Promise<void> {
    await fs.mkdir(this.layout.sessionDir(snapshot.session_id), { recursive: true });
    await atomicWriteFile(this.layout.snapshotFile(snapshot.session_id), sessionSnapshotFormat.serialize(snapshot, 2));
  }

  async readSnapshot(sessionId: string): Promise<SessionSnapshot | null> {
    return readRecordFile(this.layout.snapshotFile(sessionId), sessionSnapshotFormat);
  }

  async listSnapshots(): Promise<SessionSnapshot[]> {
    const names = await readdirOrEmpty(this.layout.sessionsDir);
    const snapshots = await Promise.all(names.map((name) => this.readSnapshot(decodeURIComponent(name))));
    return snapshots
      .filter((snapshot): snapshot is SessionSnapshot => snapshot !== null)
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
  }

  async deleteSession(sessionId: string): Promise<void> {
    await fs.rm(this.layout.sessionDir(sessionId), { recursive: true, force: true });
  }
}

function seqFileName(seq: number): string {
  return `${String(seq).padStart(SEQ_DIGITS, '0')}.json`;
}
