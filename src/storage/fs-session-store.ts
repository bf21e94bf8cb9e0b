import fs from 'node:fs/promises';
import path from 'node:path';
import type { SessionEvent, SessionSnapshot } from '../domain/events';
import { atomicWriteFile } from '../workspace/atomic-write';
import { safeFileName } from './safe-file-name';
import type { SessionStore } from './session-store';

const SEQ_DIGITS = 10;

/**
 * Filesystem session store: `<root>/sessions/<encoded id>/events/<seq>.json` (one file an event, so a retried
 * write of the same seq is naturally idempotent) and `<root>/sessions/<encoded id>/session.json`.
 * Every file is written to a temp name, synced and renamed, so readers (and a crash) never see a torn file.
 */
export class FsSessionStore implements SessionStore {
  constructor(private readonly root: string) {}

  sessionDir(sessionId: string): string {
    return path.join(this.root, 'sessions', safeFileName(sessionId));
  }

  async appendEvents(sessionId: string, events: readonly SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    const dir = path.join(this.sessionDir(sessionId), 'events');
    await fs.mkdir(dir, { recursive: true });
    await Promise.all(
      events.map((event) => atomicWriteFile(path.join(dir, seqFileName(event.seq)), JSON.stringify(event))),
    );
  }

  async readEvents(sessionId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<SessionEvent[]> {
    const { afterSeq = 0, limit = Number.MAX_SAFE_INTEGER } = options;
    const dir = path.join(this.sessionDir(sessionId), 'events');
    const names = await readdirOrEmpty(dir);
    const wanted = names
      .filter((name) => name.endsWith('.json'))
      .map((name) => Number(name.slice(0, -'.json'.length)))
      .filter((seq) => Number.isInteger(seq) && seq > afterSeq)
      .sort((a, b) => a - b)
      .slice(0, limit);
    return Promise.all(
      wanted.map(
        async (seq) => JSON.parse(await fs.readFile(path.join(dir, seqFileName(seq)), 'utf8')) as SessionEvent,
      ),
    );
  }

  async saveSnapshot(snapshot: SessionSnapshot): Promise<void> {
    const dir = this.sessionDir(snapshot.session_id);
    await fs.mkdir(dir, { recursive: true });
    await atomicWriteFile(path.join(dir, 'session.json'), JSON.stringify(snapshot, null, 2));
  }

  async readSnapshot(sessionId: string): Promise<SessionSnapshot | null> {
    try {
      return JSON.parse(await fs.readFile(path.join(this.sessionDir(sessionId), 'session.json'), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async listSnapshots(): Promise<SessionSnapshot[]> {
    const names = await readdirOrEmpty(path.join(this.root, 'sessions'));
    const snapshots = await Promise.all(names.map((name) => this.readSnapshot(decodeURIComponent(name))));
    return snapshots
      .filter((snapshot): snapshot is SessionSnapshot => snapshot !== null)
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
  }
}

function seqFileName(seq: number): string {
  return `${String(seq).padStart(SEQ_DIGITS, '0')}.json`;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
