/**
 * Durable records around dreams, outside any one workflow: the dream objects (so finished dreams can be listed),
 * when each memory store was last dreamt over, and which `update_existing` dream holds a store.
 * A database implementation could replace this filesystem one.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Dream } from '../domain/dream';
import { atomicWriteFile } from '../workspace/atomic-write';
import { safeFileName } from './safe-file-name';

export interface StoreHold {
  dream_id: string;
  since: string;
}

export class FsDreamRegistry {
  constructor(private readonly root: string) {}

  async saveDream(dream: Dream): Promise<void> {
    await writeJson(path.join(this.root, 'dreams', `${safeFileName(dream.id)}.json`), dream);
    // A dream that read sessions and finished moves the store's "since last dream" mark to when it started reading.
    if (dream.status === 'completed' && dream.phase !== 'skipped') {
      const current = await this.lastDreamAt(dream.memory_store_id);
      if (!current || current < dream.created_at) {
        await writeJson(this.storeFile(dream.memory_store_id), {
          last_dream_at: dream.created_at,
          last_dream_id: dream.id,
        });
      }
    }
  }

  async readDream(dreamId: string): Promise<Dream | null> {
    return readJson<Dream>(path.join(this.root, 'dreams', `${safeFileName(dreamId)}.json`));
  }

  async listDreams(): Promise<Dream[]> {
    const dir = path.join(this.root, 'dreams');
    const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.json'));
    const dreams = await Promise.all(names.map((name) => readJson<Dream>(path.join(dir, name))));
    return dreams
      .filter((dream): dream is Dream => dream !== null)
      .sort((a, b) => b.created_at.localeCompare(a.created_at));
  }

  async lastDreamAt(storeId: string): Promise<string | null> {
    return (await readJson<{ last_dream_at: string }>(this.storeFile(storeId)))?.last_dream_at ?? null;
  }

  /**
   * Takes the store for `dreamId` unless another dream holds it and `isRunning` says that dream is still going.
   * Returns the holder that blocks, or null when the hold is ours.
   */
  async hold(
    storeId: string,
    dreamId: string,
    isRunning: (dreamId: string) => Promise<boolean>,
  ): Promise<StoreHold | null> {
    const file = this.holdFile(storeId);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const mine: StoreHold = { dream_id: dreamId, since: new Date().toISOString() };
    try {
      await fs.writeFile(file, JSON.stringify(mine), { flag: 'wx' }); // atomic create: only one dream wins
      return null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readJson<StoreHold>(file);
    if (holder && holder.dream_id !== dreamId && (await isRunning(holder.dream_id))) return holder;
    await writeJson(file, mine); // ours already, or left behind by a dream that has ended
    return null;
  }

  async release(storeId: string, dreamId: string): Promise<void> {
    const holder = await readJson<StoreHold>(this.holdFile(storeId));
    if (holder?.dream_id === dreamId) await fs.rm(this.holdFile(storeId), { force: true });
  }

  private storeFile(storeId: string): string {
    return path.join(this.root, 'stores', `${safeFileName(storeId)}.json`);
  }

  private holdFile(storeId: string): string {
    return path.join(this.root, 'holds', `${safeFileName(storeId)}.json`);
  }
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await atomicWriteFile(file, JSON.stringify(value, null, 2));
}
