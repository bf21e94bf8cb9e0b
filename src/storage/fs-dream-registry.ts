import fs from 'node:fs/promises';
import path from 'node:path';
import type { Dream } from '../domain/dream';
import { atomicWriteFile } from '../workspace/atomic-write';
import type { DreamRegistry } from './dream-registry';
import { readRecordFile, readRecordFiles } from './fs-records';
import { DataLayout } from './layout';
import type { RecordFormat } from './records/record-format';
import {
  dreamApiRecordFormat,
  dreamFormat,
  storeDreamMarkFormat,
  storeHoldFormat,
  type DreamApiRecord,
  type StoreHold,
} from './records/dream-records';

/** {@link DreamRegistry} in the data directory (paths in layout.ts); every file is written atomically. */
export class FsDreamRegistry implements DreamRegistry {
  private readonly layout: DataLayout;

  constructor(dataDir: string) {
    this.layout = new DataLayout(dataDir);
  }

  async saveDream(dream: Dream): Promise<void> {
    await writeRecord(this.layout.dreamFile(dream.id), dreamFormat, dream);
    // A dream that read sessions and finished moves the store's "since last dream" mark to when it started reading.
    if (dream.status === 'completed' && dream.phase !== 'skipped') {
      const current = await this.lastDreamAt(dream.memory_store_id);
      if (!current || current < dream.created_at) {
        await writeRecord(this.layout.dreamStoreMarkFile(dream.memory_store_id), storeDreamMarkFormat, {
          last_dream_at: dream.created_at,
          last_dream_id: dream.id,
        });
      }
    }
  }

  async readDream(dreamId: string): Promise<Dream | null> {
    return readRecordFile(this.layout.dreamFile(dreamId), dreamFormat);
  }

  async listDreams(): Promise<Dream[]> {
    const dreams = await readRecordFiles(this.layout.dreamRecordsDir, dreamFormat);
    return dreams.sort((a, b) => b.created_at.localeCompare(a.created_at));
  }

  async lastDreamAt(storeId: string): Promise<string | null> {
    return (await readRecordFile(this.layout.dreamStoreMarkFile(storeId), storeDreamMarkFormat))?.last_dream_at ?? null;
  }

  async hold(
    storeId: string,
    dreamId: string,
    isRunning: (dreamId: string) => Promise<boolean>,
  ): Promise<StoreHold | null> {
    const file = this.layout.dreamHoldFile(storeId);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const mine: StoreHold = { dream_id: dreamId, since: new Date().toISOString() };
    try {
      await fs.writeFile(file, storeHoldFormat.serialize(mine), { flag: 'wx' }); // atomic create: only one dream wins
      return null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readRecordFile(file, storeHoldFormat);
    if (holder && holder.dream_id !== dreamId && (await isRunning(holder.dream_id))) return holder;
    await writeRecord(file, storeHoldFormat, mine); // ours already, or left behind by a dream that has ended
    return null;
  }

  async release(storeId: string, dreamId: string): Promise<void> {
    const file = this.layout.dreamHoldFile(storeId);
    const holder = await readRecordFile(file, storeHoldFormat);
    if (holder?.dream_id === dreamId) await fs.rm(file, { force: true });
  }

  async saveApiRecord(record: DreamApiRecord): Promise<void> {
    await writeRecord(this.layout.dreamApiRecordFile(record.id), dreamApiRecordFormat, record);
  }

  async readApiRecord(dreamId: string): Promise<DreamApiRecord | null> {
    return readRecordFile(this.layout.dreamApiRecordFile(dreamId), dreamApiRecordFormat);
  }

  async listApiRecords(): Promise<DreamApiRecord[]> {
    return readRecordFiles(this.layout.dreamApiRecordsDir, dreamApiRecordFormat);
  }
}

async function writeRecord<T>(file: string, format: RecordFormat<T>, value: T): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await atomicWriteFile(file, format.serialize(value, 2));
}
