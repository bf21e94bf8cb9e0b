/**
 * What the dream registry does, whichever backend keeps it: dreams, the "last dreamt over" mark, the hold one
 * dream takes on a store, and the API's dream records; the same tests against the data directory and a real
 * throwaway PostgreSQL, on the frozen fixtures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Dream } from '../../src/domain/dream';
import type { DreamApiRecord, DreamRegistry } from '../../src/storage/dream-registry';
import { FsDreamRegistry } from '../../src/storage/fs-dream-registry';
import { PgDreamRegistry } from '../../src/storage/postgres/pg-dream-registry';
import { usePostgres } from '../helpers/postgres';

const postgres = usePostgres({ database: 'lucid_dreams' });

const backends: Array<{ name: string; open(): Promise<DreamRegistry> }> = [
  {
    name: 'filesystem',
    async open() {
      return new FsDreamRegistry(fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-dreams-')));
    },
  },
  {
    name: 'postgres',
    async open() {
      await postgres
        .pool()
        .query('TRUNCATE lucid_dreams, lucid_dream_marks, lucid_dream_holds, lucid_dream_api_records');
      return new PgDreamRegistry(postgres.pool());
    },
  },
];

function fixture<T>(name: string): T {
  const { schema_version: _ignored, ...record } = JSON.parse(
    fs.readFileSync(path.join(__dirname, '../fixtures/records', name), 'utf8'),
  ) as Record<string, unknown>;
  return record as T;
}

const completed = fixture<Dream>('dream.v1.json');
const STORE = completed.memory_store_id;
const dreamAt = (id: string, createdAt: string, changes: Partial<Dream> = {}): Dream => ({
  ...completed,
  id,
  created_at: createdAt,
  ...changes,
});

describe.each(backends)('dream registry on $name', (backend) => {
  let registry: DreamRegistry;
  beforeEach(async () => {
    registry = await backend.open();
  });

  it('saves and lists dreams newest first; a completed dream that read sessions moves the mark, only forward', async () => {
    expect(await registry.lastDreamAt(STORE)).toBeNull();
    const later = dreamAt('drm_later', '2026-12-03T00:00:00.000Z');
    const earlier = dreamAt('drm_earlier', '2026-12-01T00:00:00.000Z');
    const skipped = dreamAt('drm_skipped', '2026-12-05T00:00:00.000Z', { phase: 'skipped' });
    const running = dreamAt('drm_running', '2026-12-04T00:00:00.000Z', { status: 'running', phase: 'reading' });
    for (const dream of [later, earlier, skipped, running]) await registry.saveDream(dream);
    expect(await registry.lastDreamAt(STORE)).toBe(later.created_at);
    expect((await registry.listDreams()).map((dream) => dream.id)).toEqual([
      'drm_skipped',
      'drm_running',
      'drm_later',
      'drm_earlier',
    ]);
    expect(await registry.readDream('drm_later')).toEqual(later);
    expect(await registry.readDream('drm_none')).toBeNull();
  });

  it('gives a store to one dream at a time, and to another once the holder has ended or let go', async () => {
    const running = new Set(['drm_a']);
    const isRunning = async (dreamId: string) => running.has(dreamId);
    expect(await registry.hold(STORE, 'drm_a', isRunning)).toBeNull();
    expect(await registry.hold(STORE, 'drm_a', isRunning)).toBeNull(); // ours already
    expect(await registry.hold(STORE, 'drm_b', isRunning)).toMatchObject({ dream_id: 'drm_a' });
    await registry.release(STORE, 'drm_b'); // not the holder: nothing happens
    expect(await registry.hold(STORE, 'drm_b', isRunning)).toMatchObject({ dream_id: 'drm_a' });
    running.delete('drm_a'); // it ended without letting go
    expect(await registry.hold(STORE, 'drm_b', isRunning)).toBeNull();
    running.add('drm_b');
    await registry.release(STORE, 'drm_b');
    expect(await registry.hold(STORE, 'drm_c', isRunning)).toBeNull();
  });

  it('of ten dreams taking one store at once, exactly one gets it', async () => {
    const all = Array.from({ length: 10 }, (_, index) => `drm_${index}`);
    const isRunning = async () => true;
    const results = await Promise.all(all.map((dreamId) => registry.hold(STORE, dreamId, isRunning)));
    expect(results.filter((holder) => holder === null)).toHaveLength(1);
  });

  it('keeps the API records of dreams, rewritten whole', async () => {
    const record = fixture<DreamApiRecord>('dream-api-record.v1.json');
    await registry.saveApiRecord({ ...record, archived_at: null });
    await registry.saveApiRecord(record);
    expect(await registry.readApiRecord(record.id)).toEqual(record);
    expect(await registry.listApiRecords()).toEqual([record]);
    expect(await registry.readApiRecord('drm_none')).toBeNull();
  });
});
