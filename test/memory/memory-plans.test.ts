/**
 * The per-store memory cap at its real size, on the pure planning rules every backend shares: a store with 2,000
 * memories refuses a new one and still takes an update. (The backend contract tests check the same rule on a
 * small cap, without 2,000 serial writes.)
 */
import { MemoryLimitReachedError } from '../../src/memory/errors';
import { planMemoryChange } from '../../src/memory/memory-plans';
import { contentSha256, MEMORY_LIMITS, type MemoryActor } from '../../src/memory/memory-store';
import type { MemoryRecord, StoreIndex } from '../../src/storage/records/memory-records';

const NOW = '2026-12-02T00:00:00.000Z';
const actor: MemoryActor = { type: 'user_actor', user_id: 'user_ada' };

function storeWith(count: number): StoreIndex {
  const memories: MemoryRecord[] = Array.from({ length: count }, (_, index) => ({
    type: 'memory',
    id: `mem_${index}`,
    memory_store_id: 'memstore_full',
    path: `/m/${index}.md`,
    content_sha256: contentSha256(`memory ${index}`),
    content_size_bytes: `memory ${index}`.length,
    memory_version_id: `memver_${index}`,
    created_at: NOW,
    updated_at: NOW,
  }));
  const store = {
    type: 'memory_store' as const,
    id: 'memstore_full',
    name: 'full',
    description: '',
    metadata: {},
    created_at: NOW,
    updated_at: NOW,
    archived_at: null,
  };
  return { format: 2, store, memories, versions: [] };
}

describe('the per-store memory cap', () => {
  it('is the API limit of 2,000 memories: the 2,001st is refused, an update of one of them is not', () => {
    expect(MEMORY_LIMITS.memoriesPerStore).toBe(2_000);
    const full = storeWith(2_000);
    const create = { memoryId: 'mem_new', current: undefined, path: '/one-more.md', content: 'x' };
    expect(() => planMemoryChange(full, create, actor, NOW)).toThrow(MemoryLimitReachedError);
    expect(() => planMemoryChange(full, create, actor, NOW)).toThrow(/already holds 2000 memories/);

    const current = full.memories[0];
    const update = { memoryId: current.id, current, path: current.path, content: 'updated' };
    const change = planMemoryChange(full, update, actor, NOW);
    expect(change.index?.memories).toHaveLength(2_000);
    expect(change.result).toMatchObject({ id: current.id, content: 'updated' });
  });

  it('admits the 2,000th memory', () => {
    const create = { memoryId: 'mem_last', current: undefined, path: '/last.md', content: 'x' };
    expect(planMemoryChange(storeWith(1_999), create, actor, NOW).index?.memories).toHaveLength(2_000);
  });
});
