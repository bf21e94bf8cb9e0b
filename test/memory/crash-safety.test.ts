import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SimulatedCrash } from '../../src/errors';
import { FsMemoryStore, type CrashPoint } from '../../src/memory/fs-memory-store';
import type { MemoryActor } from '../../src/memory/memory-store';
import { TEMP_FILE_PREFIX } from '../../src/workspace/atomic-write';

const agent: MemoryActor = { type: 'session_actor', session_id: 'sesn_agent' };

describe('FsMemoryStore after a crash', () => {
  let root: string;
  let repository: FsMemoryStore;
  let storeId: string;
  let memoryId: string;

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-memory-crash-'));
    repository = new FsMemoryStore(root);
    storeId = (await repository.createStore({ name: 'notes' })).id;
    memoryId = (await repository.writeMemory(storeId, { path: '/plan.md', content: 'old plan' }, agent)).id;
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const storeDirectory = () => path.join(root, 'stores', storeId);
  const filesIn = (folder: string) => fs.readdirSync(path.join(storeDirectory(), folder));
  /** A process that dies at `point` during its first write. */
  const crashingAt = (point: CrashPoint) => new FsMemoryStore(root, { crashAfter: point });

  it.each<CrashPoint>(['version_written', 'index_temp_written'])(
    'keeps the old state, with no dangling version, when a write dies after %s',
    async (point) => {
      await expect(
        crashingAt(point).writeMemory(storeId, { path: '/plan.md', content: 'new plan' }, agent),
      ).rejects.toBeInstanceOf(SimulatedCrash);
      expect(filesIn('versions')).toHaveLength(2); // the new version's file is on disk...

      const restarted = new FsMemoryStore(root);
      expect((await restarted.getMemoryByPath(storeId, '/plan.md')).content).toBe('old plan');
      const history = await restarted.listVersions(storeId);
      expect(history.map((version) => version.content)).toEqual(['old plan']); // ...but was never committed
      const orphan = filesIn('versions')
        .map((name) => name.replace(/\.json$/, ''))
        .find((id) => id !== history[0].id)!;
      await expect(restarted.getVersion(storeId, orphan)).rejects.toMatchObject({ code: 'not_found_error' });
      await expect(restarted.restoreVersion(storeId, orphan, agent)).rejects.toMatchObject({ code: 'not_found_error' });

      // The store carries on from the old state.
      await restarted.writeMemory(storeId, { path: '/plan.md', content: 'newer plan' }, agent);
      expect((await restarted.listVersions(storeId)).map((version) => version.content)).toEqual([
        'newer plan',
        'old plan',
      ]);
    },
  );

  it('keeps the old state when a delete, a rename or a restore dies before its index is committed', async () => {
    const crashing = crashingAt('version_written');
    const [first] = await repository.listVersions(storeId);
    await repository.writeMemory(storeId, { path: '/plan.md', content: 'second plan' }, agent);
    await expect(crashing.deleteMemory(storeId, memoryId, {}, agent)).rejects.toBeInstanceOf(SimulatedCrash);
    await expect(crashing.updateMemory(storeId, memoryId, { path: '/moved.md' }, agent)).rejects.toBeInstanceOf(
      SimulatedCrash,
    );
    await expect(crashing.restoreVersion(storeId, first.id, agent)).rejects.toBeInstanceOf(SimulatedCrash);

    expect(await repository.getMemory(storeId, memoryId)).toMatchObject({ path: '/plan.md', content: 'second plan' });
    expect(await repository.listVersions(storeId)).toHaveLength(2);
  });

  it('ignores torn temp files left in the store, index and versions folders', async () => {
    const torn = `${TEMP_FILE_PREFIX}deadbeef`;
    fs.writeFileSync(path.join(storeDirectory(), 'index', torn), '{"format":1,"store":{"type":"memo');
    fs.writeFileSync(path.join(storeDirectory(), 'versions', torn), '{"type":"memory_version","id":"memver_');
    fs.writeFileSync(path.join(root, 'stores', torn), 'half a');

    const restarted = new FsMemoryStore(root);
    expect((await restarted.listStores()).map((store) => store.id)).toEqual([storeId]);
    expect((await restarted.getMemory(storeId, memoryId)).content).toBe('old plan');
    expect(await restarted.listVersions(storeId)).toHaveLength(1);
    await restarted.writeMemory(storeId, { path: '/plan.md', content: 'new plan' }, agent);
    expect((await restarted.getMemory(storeId, memoryId)).content).toBe('new plan');
  });

  it('does not list a store whose creation died before its first index', async () => {
    await expect(crashingAt('index_temp_written').createStore({ name: 'half made' })).rejects.toBeInstanceOf(
      SimulatedCrash,
    );
    expect(fs.readdirSync(path.join(root, 'stores'))).toHaveLength(2);
    expect((await repository.listStores()).map((store) => store.name)).toEqual(['notes']);
  });

  it('empties superseded index generations but keeps their names, so no writer can commit into the past', async () => {
    for (let step = 0; step < 5; step++) {
      await repository.writeMemory(storeId, { path: '/plan.md', content: `plan ${step}` }, agent);
    }
    const sizes = filesIn('index').map((name) => [
      name,
      fs.statSync(path.join(storeDirectory(), 'index', name)).size > 0,
    ]);
    expect(sizes).toEqual([
      ['000000000001.json', false],
      ['000000000002.json', false],
      ['000000000003.json', false],
      ['000000000004.json', false],
      ['000000000005.json', false],
      ['000000000006.json', true],
      ['000000000007.json', true],
    ]);
  });

  it('refuses the commit of a writer whose base generation was superseded and emptied meanwhile', async () => {
    // A writer reads generation 2 and stalls; meanwhile others commit 3, 4 and 5, which empties 3. Had 3 been
    // deleted instead, the stalled writer would now link a new 3 without error and its memory would be lost.
    const stalled = new FsMemoryStore(root);
    let releaseStalled!: () => void;
    const stall = new Promise<void>((resolve) => (releaseStalled = resolve));
    const original = fs.promises.readFile;
    const spy = jest
      .spyOn(fs.promises, 'readFile')
      .mockImplementationOnce(async (...args: Parameters<typeof original>) => {
        const text = await original(...args);
        await stall;
        return text;
      });
    const stalledWrite = stalled.writeMemory(storeId, { path: '/stalled.md', content: 'from the past' }, agent);
    await new Promise((resolve) => setTimeout(resolve, 50));
    spy.mockRestore();
    await repository.writeMemory(storeId, { path: '/plan.md', content: 'three' }, agent);
    await repository.writeMemory(storeId, { path: '/plan.md', content: 'four' }, agent);
    await repository.writeMemory(storeId, { path: '/plan.md', content: 'five' }, agent);
    releaseStalled();
    await stalledWrite;

    const memories = await repository.listMemories(storeId, { include_content: true });
    expect(memories.map((memory) => [memory.path, memory.content])).toEqual([
      ['/plan.md', 'five'],
      ['/stalled.md', 'from the past'],
    ]);
    expect(await repository.listVersions(storeId)).toHaveLength(5);
  });
});
