import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryPreconditionFailedError } from '../../src/memory/errors';
import { FsMemoryStore } from '../../src/memory/fs-memory-store';
import type { MemoryActor, MemoryStoreRepository } from '../../src/memory/memory-store';

const actor = (name: string): MemoryActor => ({ type: 'session_actor', session_id: `sesn_${name}` });

/**
 * Adds one to the number at the start of `/counter`, re-reading and retrying when another writer got there first.
 * Each write names its writer, so no two writers ever write identical content: identical content would succeed as
 * a no-op despite a stale precondition (as the API specifies) and hide a lost update from this test.
 */
async function increment(repository: MemoryStoreRepository, storeId: string, writer: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const current = await repository.getMemoryByPath(storeId, '/counter');
    const next = `${Number.parseInt(current.content!, 10) + 1} by ${writer}`;
    try {
      await repository.writeMemory(
        storeId,
        { path: '/counter', content: next, expected_content_sha256: current.content_sha256 },
        actor(writer),
      );
      return attempt;
    } catch (error) {
      if (!(error instanceof MemoryPreconditionFailedError)) throw error;
    }
  }
}

/** Every memory points at its newest version, every version file on disk is committed, and the index is tidy. */
async function expectConsistent(root: string, repository: MemoryStoreRepository, storeId: string): Promise<void> {
  const history = await repository.listVersions(storeId);
  for (const memory of await repository.listMemories(storeId, { include_content: true })) {
    const newest = history.find((version) => version.memory_id === memory.id)!;
    expect(newest).toMatchObject({ id: memory.memory_version_id, path: memory.path, content: memory.content });
    expect(newest.content_sha256).toBe(memory.content_sha256);
  }
  const storeDirectory = path.join(root, 'stores', storeId);
  const versionFiles = fs.readdirSync(path.join(storeDirectory, 'versions')).map((name) => name.replace(/\.json$/, ''));
  expect(versionFiles.sort()).toEqual(history.map((version) => version.id).sort());
  // Index generations run 1..latest without gaps or leftover temp files; all but the latest two are emptied.
  const indexFiles = fs.readdirSync(path.join(storeDirectory, 'index')).sort();
  const latest = indexFiles.length;
  expect(indexFiles).toEqual(
    Array.from({ length: latest }, (_, index) => `${String(index + 1).padStart(12, '0')}.json`),
  );
  const sizes = indexFiles.map((name) => fs.statSync(path.join(storeDirectory, 'index', name)).size);
  expect(sizes.slice(0, -2).every((size) => size === 0)).toBe(true);
  expect(sizes.slice(-2).every((size) => size > 0)).toBe(true);
}

describe('FsMemoryStore under concurrent writers', () => {
  let root: string;
  let storeId: string;
  let baseSha: string;

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-memory-race-'));
    const repository = new FsMemoryStore(root);
    storeId = (await repository.createStore({ name: 'shared' })).id;
    baseSha = (await repository.writeMemory(storeId, { path: '/counter', content: '0 by setup' }, actor('setup')))
      .content_sha256;
  });

  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** 20 writers that all read the same base: exactly one may win. */
  async function raceFromSameBase(repositoryFor: (writer: number) => MemoryStoreRepository) {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, writer) =>
        repositoryFor(writer).writeMemory(
          storeId,
          { path: '/counter', content: `1 by writer ${writer}`, expected_content_sha256: baseSha },
          actor(`w${writer}`),
        ),
      ),
    );
    const winners = results.filter((result) => result.status === 'fulfilled');
    const losers = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(losers.every((result) => result.reason instanceof MemoryPreconditionFailedError)).toBe(true);
    const repository = new FsMemoryStore(root);
    const stored = await repository.getMemoryByPath(storeId, '/counter');
    expect(stored.content).toBe((winners[0] as PromiseFulfilledResult<{ content: string }>).value.content);
    expect(await repository.listVersions(storeId)).toHaveLength(2);
    await expectConsistent(root, repository, storeId);
  }

  it('lets exactly one of 20 writers with the same precondition win, within one instance', async () => {
    const shared = new FsMemoryStore(root);
    await raceFromSameBase(() => shared);
  });

  it('lets exactly one of 20 writers with the same precondition win, across 20 instances (as separate processes)', async () => {
    await raceFromSameBase(() => new FsMemoryStore(root));
  });

  it('loses no update when 5 instances increment a counter 8 times each, retrying on precondition failures', async () => {
    const instances = Array.from({ length: 5 }, () => new FsMemoryStore(root));
    await Promise.all(
      instances.map(async (repository, instance) => {
        for (let step = 0; step < 8; step++) await increment(repository, storeId, `i${instance}s${step}`);
      }),
    );
    const repository = new FsMemoryStore(root);
    expect((await repository.getMemoryByPath(storeId, '/counter')).content).toMatch(/^40 by /);
    expect(await repository.listVersions(storeId)).toHaveLength(41);
    await expectConsistent(root, repository, storeId);
  });

  it('loses no update across 4 real processes incrementing and creating memories at once', async () => {
    const processes = 4;
    const increments = 6;
    const outputs = await Promise.all(
      Array.from({ length: processes }, (_, worker) => runWriterProcess({ root, storeId, worker, increments })),
    );
    for (const output of outputs) expect(JSON.parse(output)).toEqual({ done: increments });

    const repository = new FsMemoryStore(root);
    expect((await repository.getMemoryByPath(storeId, '/counter')).content).toMatch(
      new RegExp(`^${processes * increments} by `),
    );
    const created = await repository.listMemories(storeId, { path_prefix: '/workers/' });
    expect(created).toHaveLength(processes * increments);
    expect(await repository.listVersions(storeId)).toHaveLength(1 + 2 * processes * increments);
    await expectConsistent(root, repository, storeId);
  }, 60_000);
});

/**
 * A child process (node with tsx, like the worker tests) that, for each step, creates its own memory and
 * increments the shared counter, both concurrently, so the processes race for the same index generations.
 */
function runWriterProcess(input: {
  root: string;
  storeId: string;
  worker: number;
  increments: number;
}): Promise<string> {
  const script = `
    const { FsMemoryStore } = require(${JSON.stringify(path.resolve(__dirname, '../../src/memory/fs-memory-store.ts'))});
    const input = JSON.parse(process.env.MEMORY_WRITER_INPUT);
    const repository = new FsMemoryStore(input.root);
    const actor = { type: 'session_actor', session_id: 'sesn_process' + input.worker };
    async function increment(writer) {
      for (;;) {
        const current = await repository.getMemoryByPath(input.storeId, '/counter');
        const content = (Number.parseInt(current.content, 10) + 1) + ' by ' + writer;
        try {
          return await repository.writeMemory(input.storeId, { path: '/counter', content, expected_content_sha256: current.content_sha256 }, actor);
        } catch (error) {
          if (error.code !== 'memory_precondition_failed_error') throw error;
        }
      }
    }
    (async () => {
      for (let step = 0; step < input.increments; step++) {
        const own = { path: '/workers/' + input.worker + '/' + step + '.md', content: 'step ' + step };
        await Promise.all([repository.writeMemory(input.storeId, own, actor), increment('p' + input.worker + 's' + step)]);
      }
      console.log(JSON.stringify({ done: input.increments }));
    })().catch((error) => { console.error(error); process.exit(1); });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      env: { ...process.env, MEMORY_WRITER_INPUT: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(stdout.trim()) : reject(new Error(`writer ${input.worker} exited ${code}:\n${stderr}`)),
    );
  });
}
