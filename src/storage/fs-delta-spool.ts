import { watch } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeltaRecordSchema, type DeltaRecord } from '../domain/event-deltas';
import { readdirOrEmpty } from './fs-records';
import { DataLayout } from './layout';
import type { DeltaSpool, DeltaSpoolPage } from './delta-spool';
import type { EventLogWatch } from './session-store';

const SEQ_DIGITS = 10;

/**
 * Filesystem delta spool: `sessions/<session>/deltas/<start seq>.jsonl`, one JSON record a line, appended as the
 * model writes. A reader takes whole lines only (the last one may still be being written).
 */
export class FsDeltaSpool implements DeltaSpool {
  private readonly layout: DataLayout;

  constructor(dataDir: string) {
    this.layout = new DataLayout(dataDir);
  }

  async begin(sessionId: string, startSeq: number): Promise<void> {
    const dir = this.layout.deltaSpoolDir(sessionId);
    await fs.mkdir(dir, { recursive: true });
    const name = spoolName(startSeq);
    await fs.writeFile(path.join(dir, name), '', { flag: 'a' });
    const older = (await readdirOrEmpty(dir)).filter((file) => file.endsWith('.jsonl') && file < name);
    await Promise.all(older.map((file) => fs.rm(path.join(dir, file), { force: true })));
  }

  async append(sessionId: string, startSeq: number, records: readonly DeltaRecord[]): Promise<void> {
    if (records.length === 0) return;
    const file = path.join(this.layout.deltaSpoolDir(sessionId), spoolName(startSeq));
    await fs.appendFile(file, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  }

  async readNewest(sessionId: string, from: { startSeq: number; index: number }): Promise<DeltaSpoolPage | null> {
    const dir = this.layout.deltaSpoolDir(sessionId);
    const newest = (await readdirOrEmpty(dir))
      .filter((file) => /^\d+\.jsonl$/.test(file))
      .sort()
      .pop();
    if (newest === undefined) return null;
    const startSeq = Number(newest.slice(0, -'.jsonl'.length));
    let text: string;
    try {
      text = await fs.readFile(path.join(dir, newest), 'utf8');
    } catch {
      return null; // replaced by a newer request's spool meanwhile
    }
    const lines = text.split('\n').slice(0, -1); // the part after the last newline is not whole yet
    const records = lines.flatMap((line) => {
      try {
        const parsed = DeltaRecordSchema.safeParse(JSON.parse(line));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
    return { startSeq, records: startSeq === from.startSeq ? records.slice(from.index) : records };
  }

  watch(sessionId: string, onChange: () => void): EventLogWatch | null {
    try {
      const watcher = watch(this.layout.deltaSpoolDir(sessionId), { persistent: false }, () => onChange());
      watcher.on('error', () => watcher.close());
      return watcher;
    } catch {
      return null;
    }
  }
}

function spoolName(startSeq: number): string {
  return `${String(startSeq).padStart(SEQ_DIGITS, '0')}.jsonl`;
}
