import type { Dream } from '../domain/dream';
import type { DreamApiRecord, StoreHold } from './records/dream-records';

export type { DreamApiRecord, StoreHold } from './records/dream-records';

/**
 * Durable records around dreams, outside any one workflow: the dream objects (so finished dreams can be listed),
 * when each memory store was last dreamt over, which `update_existing` dream holds a store, and what the HTTP API
 * keeps of a dream beyond the workflow's own record (when it was created and archived).
 * fs-dream-registry.ts keeps them in the data directory; a database implementation can replace it.
 */
export interface DreamRegistry {
  /** Saves the dream; a completed dream that read sessions also moves its store's "last dreamt over" mark. */
  saveDream(dream: Dream): Promise<void>;
  readDream(dreamId: string): Promise<Dream | null>;
  /** Newest first. */
  listDreams(): Promise<Dream[]>;
  /** When the store was last dreamt over (the start of the last completed dream that read sessions), or null. */
  lastDreamAt(storeId: string): Promise<string | null>;
  /**
   * Takes the store for `dreamId` unless another dream holds it and `isRunning` says that dream is still going.
   * Returns the holder that blocks, or null when the hold is ours.
   */
  hold(storeId: string, dreamId: string, isRunning: (dreamId: string) => Promise<boolean>): Promise<StoreHold | null>;
  /** Gives the store back, if `dreamId` holds it. */
  release(storeId: string, dreamId: string): Promise<void>;
  /** Writes (or rewrites, to archive it) a dream's API record. */
  saveApiRecord(record: DreamApiRecord): Promise<void>;
  readApiRecord(dreamId: string): Promise<DreamApiRecord | null>;
  /** In no particular order. */
  listApiRecords(): Promise<DreamApiRecord[]>;
}
