/** Applying approved dream changes to a real filesystem memory store, with concurrent edits and retries. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DreamChange, DreamChangeOperation } from '../../src/domain/dream';
import { applyDreamChange } from '../../src/dreams/apply-change';
import { previewChange } from '../../src/dreams/consolidate';
import { MemoryNotFoundError } from '../../src/memory/errors';
import { FsMemoryStore } from '../../src/memory/fs-memory-store';
import type { MemoryActor, MemoryStoreRepository, WriteMemoryInput } from '../../src/memory/memory-store';

const DREAM: MemoryActor = { type: 'dream_actor', dream_id: 'drm_1', change_id: 'chg_1' };
const USER: MemoryActor = { type: 'user_actor', user_id: 'ada' };

const DEPLOY = '# Deploying\n- Tag the release first.\n- Deploy from main.\n';
const STYLE_A = '# Style\n- Use British spelling.\n';
const STYLE_B = '# Spelling\n- The user wants British spelling.\n';

let root: string;
let store: FsMemoryStore;
let storeId: string;

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-apply-'));
  store = new FsMemoryStore(root);
  storeId = (await store.createStore({ name: 'agent memory' })).id;
  for (const [memoryPath, content] of Object.entries({
    '/lessons/deploying.md': DEPLOY,
    '/style/a.md': STYLE_A,
    '/style/b.md': STYLE_B,
  })) {
    await store.writeMemory(storeId, { path: memoryPath, content }, USER);
  }
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** The change as a dream would record it: previewed against the store as it is now. */
async function approved(operation: DreamChangeOperation): Promise<DreamChange> {
  const memories = await store.listMemories(storeId, { include_content: true });
  const preview = previewChange(operation, new Map(memories.map((memory) => [memory.path, memory])));
  return {
    ...operation,
    ...preview,
    id: 'chg_1',
    rationale: 'test',
    evidence: [],
    support: 1,
    status: 'approved',
    decision: null,
    status_detail: null,
  };
}

/** path → content of every memory. */
async function contents(): Promise<Record<string, string>> {
  const memories = await store.listMemories(storeId, { include_content: true });
  return Object.fromEntries(memories.map((memory) => [memory.path, memory.content!]));
}

async function versionCount(): Promise<number> {
  return (await store.listVersions(storeId)).length;
}

const userEdit = (memoryPath: string, content: string) =>
  store.writeMemory(storeId, { path: memoryPath, content }, USER);

describe('applyDreamChange', () => {
  test('add: writes the memory as the dream; applying again is a no-op reported as applied', async () => {
    const change = await approved({ op: 'add', path: '/lessons/vpn.md', content: '# VPN\n- Deploys need it.\n' });

    expect(await applyDreamChange(store, storeId, change, DREAM)).toEqual({ status: 'applied', detail: null });
    const memory = await store.getMemoryByPath(storeId, '/lessons/vpn.md');
    expect(memory.content).toBe('# VPN\n- Deploys need it.\n');
    expect((await store.listVersions(storeId, { memory_id: memory.id }))[0].created_by).toEqual(DREAM);

    const versions = await versionCount();
    expect(await applyDreamChange(store, storeId, change, DREAM)).toEqual({
      status: 'applied',
      detail: 'the store already held the result of this change',
    });
    expect(await versionCount()).toBe(versions);
  });

  test('add: a memory created at the path since the dream read the store makes it conflicted, and is kept', async () => {
    const change = await approved({ op: 'add', path: '/lessons/vpn.md', content: '# VPN\n' });
    await userEdit('/lessons/vpn.md', 'the user got there first\n');

    const result = await applyDreamChange(store, storeId, change, DREAM);

    expect(result).toEqual({
      status: 'conflicted',
      detail: expect.stringContaining(
        'a memory now exists at "/lessons/vpn.md", where the dream saw none; nothing was written',
      ),
    });
    expect((await contents())['/lessons/vpn.md']).toBe('the user got there first\n');
  });

  test('add: a memory created between the check and the write is kept untouched, and the change conflicted', async () => {
    const change = await approved({ op: 'add', path: '/lessons/vpn.md', content: '# VPN\n' });
    const racing = raceOnFirstWrite(store, () => userEdit('/lessons/vpn.md', 'created concurrently\n'));

    const result = await applyDreamChange(racing, storeId, change, DREAM);

    expect(result).toEqual({
      status: 'conflicted',
      detail: expect.stringContaining('it was to be created, but memory'),
    });
    expect((await contents())['/lessons/vpn.md']).toBe('created concurrently\n');
    const created = await store.getMemoryByPath(storeId, '/lessons/vpn.md');
    expect(await store.listVersions(storeId, { memory_id: created.id })).toHaveLength(1); // never overwritten, not even briefly
  });

  test('edit: applies with a precondition; re-applying after success writes nothing', async () => {
    const change = await approved({
      op: 'edit',
      path: '/lessons/deploying.md',
      old_string: '- Deploy from main.\n',
      new_string: '- Deploy from main.\n- Smoke test after.\n',
    });

    expect(await applyDreamChange(store, storeId, change, DREAM)).toEqual({ status: 'applied', detail: null });
    expect((await contents())['/lessons/deploying.md']).toBe(`${DEPLOY}- Smoke test after.\n`);

    const versions = await versionCount();
    expect((await applyDreamChange(store, storeId, change, DREAM)).status).toBe('applied');
    expect(await versionCount()).toBe(versions);
  });

  test('edit: a user edit since the dream read the memory makes it conflicted, and nothing is written', async () => {
    const change = await approved({
      op: 'edit',
      path: '/lessons/deploying.md',
      old_string: 'Tag the release',
      new_string: 'Sign the release',
    });
    await userEdit('/lessons/deploying.md', `${DEPLOY}- Never deploy on Fridays.\n`);
    const versions = await versionCount();

    const result = await applyDreamChange(store, storeId, change, DREAM);

    expect(result.status).toBe('conflicted');
    expect(result.detail).toMatch(
      /^edit "\/lessons\/deploying\.md": "\/lessons\/deploying\.md" was changed since the dream read it \(content_sha256 \w{12}… then, \w{12}… now\); nothing was written$/,
    );
    expect((await contents())['/lessons/deploying.md']).toBe(`${DEPLOY}- Never deploy on Fridays.\n`);
    expect(await versionCount()).toBe(versions);
  });

  test('edit: a memory deleted since is conflicted', async () => {
    const change = await approved({ op: 'edit', path: '/style/a.md', old_string: 'British', new_string: 'UK' });
    const memory = await store.getMemoryByPath(storeId, '/style/a.md');
    await store.deleteMemory(storeId, memory.id, {}, USER);

    expect(await applyDreamChange(store, storeId, change, DREAM)).toEqual({
      status: 'conflicted',
      detail: 'edit "/style/a.md": "/style/a.md" no longer exists; nothing was written',
    });
  });

  test('delete: applies, re-applies as a no-op, and conflicts when the memory was edited meanwhile', async () => {
    const remove = await approved({ op: 'delete', path: '/style/b.md' });
    expect(await applyDreamChange(store, storeId, remove, DREAM)).toEqual({ status: 'applied', detail: null });
    expect(await contents()).not.toHaveProperty('/style/b.md');
    expect((await applyDreamChange(store, storeId, remove, DREAM)).status).toBe('applied');

    const stale = await approved({ op: 'delete', path: '/style/a.md' });
    await userEdit('/style/a.md', `${STYLE_A}- Oxford comma.\n`);
    expect((await applyDreamChange(store, storeId, stale, DREAM)).status).toBe('conflicted');
    expect((await contents())['/style/a.md']).toBe(`${STYLE_A}- Oxford comma.\n`);
  });

  test('merge into one of its sources: writes the merged content, deletes the other source', async () => {
    const change = await approved({
      op: 'merge',
      paths: ['/style/a.md', '/style/b.md'],
      into_path: '/style/a.md',
      content: '# Style\n- British spelling, always.\n',
    });

    expect(await applyDreamChange(store, storeId, change, DREAM)).toEqual({ status: 'applied', detail: null });
    expect(await contents()).toEqual({
      '/lessons/deploying.md': DEPLOY,
      '/style/a.md': '# Style\n- British spelling, always.\n',
    });
    expect((await applyDreamChange(store, storeId, change, DREAM)).status).toBe('applied');
  });

  test('merge into a new path: creates it and deletes both sources', async () => {
    const change = await approved({
      op: 'merge',
      paths: ['/style/a.md', '/style/b.md'],
      into_path: '/lessons/spelling.md',
      content: '# Spelling\n',
    });

    expect((await applyDreamChange(store, storeId, change, DREAM)).status).toBe('applied');
    expect(await contents()).toEqual({ '/lessons/deploying.md': DEPLOY, '/lessons/spelling.md': '# Spelling\n' });
  });

  test('merge: a source edited meanwhile makes it conflicted before anything is written', async () => {
    const change = await approved({
      op: 'merge',
      paths: ['/style/a.md', '/style/b.md'],
      into_path: '/lessons/spelling.md',
      content: '# Spelling\n',
    });
    await userEdit('/style/b.md', `${STYLE_B}- Except in code.\n`);
    const before = await contents();

    const result = await applyDreamChange(store, storeId, change, DREAM);

    expect(result).toEqual({
      status: 'conflicted',
      detail: expect.stringMatching(/^merge into "\/lessons\/spelling\.md": "\/style\/b\.md" was changed since/),
    });
    expect(await contents()).toEqual(before);
  });

  test('merge interrupted half-way (merged memory written, sources not yet deleted) completes on retry', async () => {
    const change = await approved({
      op: 'merge',
      paths: ['/style/a.md', '/style/b.md'],
      into_path: '/lessons/spelling.md',
      content: '# Spelling\n',
    });
    await store.writeMemory(storeId, { path: '/lessons/spelling.md', content: '# Spelling\n' }, DREAM); // the crashed attempt's first write

    expect(await applyDreamChange(store, storeId, change, DREAM)).toEqual({ status: 'applied', detail: null });
    expect(await contents()).toEqual({ '/lessons/deploying.md': DEPLOY, '/lessons/spelling.md': '# Spelling\n' });
  });

  test('a missing store is an error, not a conflict', async () => {
    const change = await approved({ op: 'add', path: '/lessons/vpn.md', content: '# VPN\n' });

    await expect(applyDreamChange(store, 'memstore_missing', change, DREAM)).rejects.toBeInstanceOf(
      MemoryNotFoundError,
    );
  });
});

/** The real store, except that `beforeWrite` runs just before the first write goes through: a concurrent writer. */
function raceOnFirstWrite(inner: FsMemoryStore, beforeWrite: () => Promise<unknown>): MemoryStoreRepository {
  let raced = false;
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property !== 'writeMemory') return Reflect.get(target, property, receiver);
      return async (id: string, input: WriteMemoryInput, actor: MemoryActor) => {
        if (!raced) {
          raced = true;
          await beforeWrite();
        }
        return target.writeMemory(id, input, actor);
      };
    },
  });
}
