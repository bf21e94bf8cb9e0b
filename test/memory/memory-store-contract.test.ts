import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  InvalidMemoryRequestError,
  MemoryContentTooLargeError,
  MemoryError,
  MemoryLimitReachedError,
  MemoryNotFoundError,
  MemoryPathConflictError,
  MemoryAlreadyExistsError,
  MemoryPreconditionFailedError,
  MemoryStoreArchivedError,
  MemoryVersionInUseError,
} from '../../src/memory/errors';
import { FsMemoryStore } from '../../src/memory/fs-memory-store';
import type { MemoryActor, MemoryStoreRepository } from '../../src/memory/memory-store';
import { PgMemoryStore } from '../../src/storage/postgres/pg-memory-store';
import { usePostgres } from '../helpers/postgres';

/*
 * What every memory store does, whichever backend keeps it: the same tests against the filesystem store and the
 * PostgreSQL store on a real throwaway server. Each backend also says what it holds at rest, so a test can check
 * that a deleted store or a redacted version is gone from it, not merely hidden.
 */
const postgres = usePostgres({ database: 'lucid_memory' });
/** A small cap checks the per-store limit without thousands of serial writes (the default's 2,000: memory-plans.test.ts). */
const MEMORIES_PER_STORE = 20;

interface Backend {
  name: string;
  open(now: () => Date): Promise<{ repository: MemoryStoreRepository; atRest(): Promise<string>; close(): void }>;
}

const backends: Backend[] = [
  {
    name: 'filesystem',
    async open(now) {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-memory-'));
      const atRest = async () =>
        fs
          .readdirSync(root, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map(
            (entry) =>
              `${path.relative(root, path.join(entry.parentPath, entry.name))}\n${fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8')}`,
          )
          .join('\n');
      return {
        repository: new FsMemoryStore(root, { now, memoriesPerStore: MEMORIES_PER_STORE }),
        atRest,
        close: () => fs.rmSync(root, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async open(now) {
      const pool = postgres.pool();
      await pool.query('TRUNCATE lucid_memory_stores CASCADE');
      const atRest = async () => {
        const tables = ['lucid_memory_stores', 'lucid_memories', 'lucid_memory_versions'];
        const dumps = await Promise.all(tables.map((table) => pool.query(`SELECT * FROM ${table}`)));
        return JSON.stringify(dumps.map((dump) => dump.rows));
      };
      return {
        repository: new PgMemoryStore(pool, { now, memoriesPerStore: MEMORIES_PER_STORE }),
        atRest,
        close: () => undefined,
      };
    },
  },
];

const agent: MemoryActor = { type: 'session_actor', session_id: 'sesn_agent1' };
const dream: MemoryActor = { type: 'dream_actor', dream_id: 'drm_1', change_id: 'change_3' };
const user: MemoryActor = { type: 'user_actor', user_id: 'user_ada' };
const api: MemoryActor = { type: 'api_actor', api_key_id: 'apikey_1' };

const sha256 = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

/** The error a promise rejects with; fails the test when it resolves. */
async function rejection<T extends MemoryError>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
): Promise<T> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected ${type.name}, got ${JSON.stringify(value)}`);
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(type);
  return error as T;
}

describe.each(backends)('memory stores on $name', (backend) => {
  let repository: MemoryStoreRepository;
  let atRest: () => Promise<string>;
  let close: () => void;
  let clock: number;
  let storeId: string;

  beforeEach(async () => {
    clock = Date.parse('2026-05-01T00:00:00Z');
    ({ repository, atRest, close } = await backend.open(() => new Date((clock += 1000))));
    storeId = (await repository.createStore({ name: 'Team notes', description: 'What we learned' })).id;
  });

  afterEach(() => close());

  describe('stores', () => {
    it('creates, reads, updates, lists and archives stores', async () => {
      const store = await repository.getStore(storeId);
      expect(store).toEqual({
        type: 'memory_store',
        id: expect.stringMatching(/^memstore_[1-9A-HJ-NP-Za-km-z]{24}$/),
        name: 'Team notes',
        description: 'What we learned',
        metadata: {},
        created_at: '2026-05-01T00:00:01.000Z',
        updated_at: '2026-05-01T00:00:01.000Z',
        archived_at: null,
      });
      const second = await repository.createStore({ name: 'Prefs' });
      expect(second.description).toBe('');
      expect((await repository.listStores()).map((s) => s.name)).toEqual(['Prefs', 'Team notes']);

      const renamed = await repository.updateStore(storeId, { name: 'Team', description: '' });
      expect(renamed).toMatchObject({ name: 'Team', description: '', updated_at: '2026-05-01T00:00:03.000Z' });
      expect(await repository.updateStore(storeId, { name: 'Team' })).toEqual(renamed); // no change, no new updated_at

      const archived = await repository.archiveStore(storeId);
      expect(archived.archived_at).toBe('2026-05-01T00:00:04.000Z');
      expect(await repository.archiveStore(storeId)).toEqual(archived);
      expect((await repository.listStores()).map((s) => s.id)).toEqual([second.id]);
      expect((await repository.listStores({ include_archived: true })).map((s) => s.id)).toEqual([second.id, storeId]);
    });

    it('refuses bad names and descriptions', async () => {
      await rejection(repository.createStore({ name: '' }), InvalidMemoryRequestError);
      await rejection(repository.createStore({ name: 'x'.repeat(256) }), InvalidMemoryRequestError);
      await rejection(repository.createStore({ name: 'tab\there' }), InvalidMemoryRequestError);
      await rejection(repository.createStore({ name: 'ok', description: 'd'.repeat(1025) }), InvalidMemoryRequestError);
      expect(
        (await repository.createStore({ name: '😀'.repeat(255), description: 'd'.repeat(1024) })).name,
      ).toHaveLength(510);
    });

    it('answers not_found for unknown ids, including ones that are not file-name safe', async () => {
      for (const id of ['memstore_missing', '../../etc', 'memstore_a/../..', '']) {
        const error = await rejection(repository.getStore(id), MemoryNotFoundError);
        expect(error.code).toBe('not_found_error');
      }
      await rejection(
        repository.writeMemory('memstore_nope', { path: '/a', content: 'a' }, agent),
        MemoryNotFoundError,
      );
    });

    it('keeps an archived store readable and deletable but refuses creates, updates and restores', async () => {
      const memory = await repository.writeMemory(storeId, { path: '/a.md', content: 'one' }, agent);
      const other = await repository.writeMemory(storeId, { path: '/b.md', content: 'two' }, agent);
      await repository.archiveStore(storeId);

      const refused = await rejection(
        repository.writeMemory(storeId, { path: '/c.md', content: 'x' }, agent),
        MemoryStoreArchivedError,
      );
      expect(refused.code).toBe('store_archived');
      expect(refused.message).toMatch(/archived: its memories can be read and deleted/);
      await rejection(
        repository.updateMemory(storeId, memory.id, { content: 'changed' }, agent),
        MemoryStoreArchivedError,
      );
      await rejection(repository.restoreVersion(storeId, memory.memory_version_id, agent), MemoryStoreArchivedError);
      await rejection(repository.updateStore(storeId, { name: 'new' }), MemoryStoreArchivedError);

      expect((await repository.getMemory(storeId, memory.id)).content).toBe('one');
      await repository.deleteMemory(storeId, other.id, {}, user);
      expect((await repository.listMemories(storeId)).map((m) => m.path)).toEqual(['/a.md']);
    });
  });

  describe('metadata, deletion and redaction', () => {
    it('keeps metadata, patches it key by key, and refuses more than 16 pairs without changing the store', async () => {
      const store = await repository.createStore({ name: 'Owned', metadata: { owner: 'ana', team: 'docs' } });
      expect(store.metadata).toEqual({ owner: 'ana', team: 'docs' });
      const patched = await repository.updateStore(store.id, { metadata: { team: null, tier: 'gold' } });
      expect(patched.metadata).toEqual({ owner: 'ana', tier: 'gold' });
      expect(patched.updated_at).not.toBe(store.updated_at);
      const many = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, 'v']));
      await rejection(repository.updateStore(store.id, { metadata: many }), InvalidMemoryRequestError);
      expect(await repository.getStore(store.id)).toEqual(patched);
      expect((await repository.updateStore(store.id, { metadata: null })).metadata).toEqual({});
    });

    it('deletes a store with its memories and versions, archived or not', async () => {
      await repository.writeMemory(storeId, { path: '/a.md', content: 'a' }, user);
      await repository.archiveStore(storeId);
      await repository.deleteStore(storeId);
      await rejection(repository.getStore(storeId), MemoryNotFoundError);
      await rejection(repository.listVersions(storeId), MemoryNotFoundError);
      expect(await atRest()).not.toContain(storeId);
      await rejection(repository.deleteStore(storeId), MemoryNotFoundError);
    });

    it("redacts a past version for good, keeps its author, and refuses a memory's current version", async () => {
      const first = await repository.writeMemory(storeId, { path: '/secret.md', content: 'token 123' }, agent);
      const second = await repository.updateMemory(storeId, first.id, { content: 'no secret' }, user);
      await rejection(repository.redactVersion(storeId, second.memory_version_id, api), MemoryVersionInUseError);

      const redacted = await repository.redactVersion(storeId, first.memory_version_id, api);
      expect(redacted).toMatchObject({
        id: first.memory_version_id,
        operation: 'created',
        path: null,
        content: null,
        content_sha256: null,
        content_size_bytes: null,
        created_by: agent,
        redacted_by: api,
      });
      expect(await repository.getVersion(storeId, first.memory_version_id)).toEqual(redacted);
      expect(await repository.redactVersion(storeId, first.memory_version_id, user)).toEqual(redacted);
      expect(await atRest()).not.toContain('token 123');
      await rejection(repository.restoreVersion(storeId, first.memory_version_id, user), InvalidMemoryRequestError);
      expect((await repository.getMemory(storeId, first.id)).content).toBe('no secret');
    });
  });

  describe('memories', () => {
    it('creates by path, then updates the same memory (upsert), with hash and size of the UTF-8 bytes', async () => {
      const created = await repository.writeMemory(storeId, { path: '/prefs/style.md', content: 'Use tabs' }, agent);
      expect(created).toEqual({
        type: 'memory',
        id: expect.stringMatching(/^mem_/),
        memory_store_id: storeId,
        path: '/prefs/style.md',
        content: 'Use tabs',
        content_sha256: sha256('Use tabs'),
        content_size_bytes: 8,
        memory_version_id: expect.stringMatching(/^memver_/),
        created_at: '2026-05-01T00:00:02.000Z',
        updated_at: '2026-05-01T00:00:02.000Z',
      });

      const updated = await repository.writeMemory(
        storeId,
        { path: '/prefs/style.md', content: 'Use spaces – 2 ✓' },
        agent,
      );
      expect(updated.id).toBe(created.id);
      expect(updated.created_at).toBe(created.created_at);
      expect(updated.memory_version_id).not.toBe(created.memory_version_id);
      expect(updated.content_size_bytes).toBe(Buffer.byteLength('Use spaces – 2 ✓'));
      expect(updated.content_sha256).toBe(sha256('Use spaces – 2 ✓'));
      expect(await repository.getMemory(storeId, created.id)).toEqual(updated);
      expect(await repository.getMemoryByPath(storeId, '/prefs/style.md')).toEqual(updated);
    });

    it('treats paths case-sensitively and refuses invalid ones before touching the store', async () => {
      await repository.writeMemory(storeId, { path: '/Notes.md', content: 'upper' }, agent);
      await repository.writeMemory(storeId, { path: '/notes.md', content: 'lower' }, agent);
      expect((await repository.getMemoryByPath(storeId, '/notes.md')).content).toBe('lower');
      const error = await rejection(
        repository.writeMemory(storeId, { path: '/cafe\u0301', content: 'x' }, agent),
        MemoryError,
      );
      expect(error.code).toBe('invalid_path');
      await expect(repository.getMemoryByPath(storeId, 'notes.md')).rejects.toMatchObject({ code: 'invalid_path' });
      await expect(repository.getMemoryByPath(storeId, '/missing.md')).rejects.toMatchObject({
        code: 'not_found_error',
      });
      expect(await repository.listVersions(storeId)).toHaveLength(2);
    });

    it('lists by whole-segment prefix, sorted by path, with content only on request', async () => {
      for (const memoryPath of ['/notes/b.md', '/notes/a.md', '/notes-old/x.md', '/top.md']) {
        await repository.writeMemory(storeId, { path: memoryPath, content: `content of ${memoryPath}` }, agent);
      }
      const all = await repository.listMemories(storeId);
      expect(all.map((m) => m.path)).toEqual(['/notes-old/x.md', '/notes/a.md', '/notes/b.md', '/top.md']);
      expect(all.every((m) => m.content === null)).toBe(true);
      const notes = await repository.listMemories(storeId, { path_prefix: '/notes/', include_content: true });
      expect(notes.map((m) => [m.path, m.content])).toEqual([
        ['/notes/a.md', 'content of /notes/a.md'],
        ['/notes/b.md', 'content of /notes/b.md'],
      ]);
      await expect(repository.listMemories(storeId, { path_prefix: '/notes' })).rejects.toMatchObject({
        code: 'invalid_path',
      });
    });

    it('accepts exactly 102,400 bytes of content and refuses 102,401', async () => {
      const limit = await repository.writeMemory(storeId, { path: '/big.md', content: 'x'.repeat(102_400) }, agent);
      expect(limit.content_size_bytes).toBe(102_400);
      const error = await rejection(
        repository.writeMemory(storeId, { path: '/bigger.md', content: 'x'.repeat(102_401) }, agent),
        MemoryContentTooLargeError,
      );
      expect(error.code).toBe('content_too_large');
      expect(error.message).toMatch(/102401 bytes of UTF-8; the limit is 102400 bytes/);
      // Bytes, not characters: 51,201 two-byte characters are 102,402 bytes.
      await rejection(
        repository.writeMemory(storeId, { path: '/accents.md', content: 'é'.repeat(51_201) }, agent),
        MemoryContentTooLargeError,
      );
      await expect(
        repository.writeMemory(storeId, { path: '/broken.md', content: 'half \uD83D emoji' }, agent),
      ).rejects.toMatchObject({ code: 'invalid_content' });
    });

    it('refuses a memory past the cap, but still updates existing ones and creates after a delete', async () => {
      for (let index = 0; index < MEMORIES_PER_STORE; index++) {
        await repository.writeMemory(storeId, { path: `/m/${index}.md`, content: `memory ${index}` }, agent);
      }
      const error = await rejection(
        repository.writeMemory(storeId, { path: '/one-more.md', content: 'x' }, agent),
        MemoryLimitReachedError,
      );
      expect(error.code).toBe('memory_limit_reached');
      expect(error.message).toMatch(new RegExp(`already holds ${MEMORIES_PER_STORE} memories`));
      await repository.writeMemory(storeId, { path: '/m/0.md', content: 'updated' }, agent);
      const first = await repository.getMemoryByPath(storeId, '/m/1.md');
      await repository.deleteMemory(storeId, first.id, {}, agent);
      await repository.writeMemory(storeId, { path: '/one-more.md', content: 'x' }, agent);
      expect(await repository.listMemories(storeId)).toHaveLength(MEMORIES_PER_STORE);
    });

    it('refuses overlapping paths in both directions, naming the memory in the way', async () => {
      const notes = await repository.writeMemory(storeId, { path: '/notes', content: 'a file' }, agent);
      const below = await rejection(
        repository.writeMemory(storeId, { path: '/notes/todo.md', content: 'x' }, agent),
        MemoryPathConflictError,
      );
      expect(below).toMatchObject({
        code: 'memory_path_conflict_error',
        conflicting_path: '/notes',
        conflicting_memory_id: notes.id,
      });
      expect(below.message).toMatch(/"\/notes\/todo.md" lies inside memory mem_\w+ at "\/notes"/);

      const deep = await repository.writeMemory(storeId, { path: '/projects/lucid/plan.md', content: 'plan' }, agent);
      const above = await rejection(
        repository.writeMemory(storeId, { path: '/projects', content: 'x' }, agent),
        MemoryPathConflictError,
      );
      expect(above).toMatchObject({ conflicting_path: '/projects/lucid/plan.md', conflicting_memory_id: deep.id });
      expect(above.message).toMatch(/is a folder of memory/);
      // Sibling names that merely share a prefix are fine.
      await repository.writeMemory(storeId, { path: '/notes.md', content: 'ok' }, agent);
      await repository.writeMemory(storeId, { path: '/projects-archive', content: 'ok' }, agent);
    });

    it('renames a memory keeping its id, and refuses a rename into a conflicting path', async () => {
      const memory = await repository.writeMemory(storeId, { path: '/draft.md', content: 'text' }, agent);
      await repository.writeMemory(storeId, { path: '/archive/old.md', content: 'old' }, agent);
      const taken = await repository.writeMemory(storeId, { path: '/taken.md', content: 'taken' }, agent);

      const renamed = await repository.updateMemory(storeId, memory.id, { path: '/final/report.md' }, user);
      expect(renamed).toMatchObject({
        id: memory.id,
        path: '/final/report.md',
        content: 'text',
        content_sha256: memory.content_sha256,
      });
      await expect(repository.getMemoryByPath(storeId, '/draft.md')).rejects.toMatchObject({ code: 'not_found_error' });

      await expect(repository.updateMemory(storeId, memory.id, { path: '/archive' }, user)).rejects.toMatchObject({
        code: 'memory_path_conflict_error',
        conflicting_path: '/archive/old.md',
      });
      await expect(repository.updateMemory(storeId, memory.id, { path: '/taken.md' }, user)).rejects.toMatchObject({
        conflicting_memory_id: taken.id,
      });
      // A memory never conflicts with itself: moving it below its own old path is fine.
      await repository.updateMemory(storeId, memory.id, { path: '/final/report.md/v2' }, user);
      await expect(repository.updateMemory(storeId, memory.id, {}, user)).rejects.toMatchObject({
        code: 'invalid_request_error',
      });
      await expect(repository.updateMemory(storeId, 'mem_missing', { content: 'x' }, user)).rejects.toMatchObject({
        code: 'not_found_error',
      });
    });

    it('refuses a malformed actor', async () => {
      const bad = { type: 'dream_actor', dream_id: 'drm_1' } as unknown as MemoryActor;
      await expect(repository.writeMemory(storeId, { path: '/a', content: 'a' }, bad)).rejects.toMatchObject({
        code: 'invalid_request_error',
        message: expect.stringMatching(/Invalid actor .*dream_id, change_id/),
      });
    });
  });

  describe('versions', () => {
    it('records created, modified, deleted and restore versions with their actors and hashes', async () => {
      const created = await repository.writeMemory(storeId, { path: '/a.md', content: 'v1' }, agent);
      const modified = await repository.updateMemory(storeId, created.id, { content: 'v2' }, dream);
      const deletion = await repository.deleteMemory(storeId, created.id, {}, api);
      const restored = await repository.restoreVersion(storeId, created.memory_version_id, user);

      expect(deletion).toMatchObject({
        operation: 'deleted',
        path: '/a.md',
        content: null,
        content_sha256: sha256('v2'),
        content_size_bytes: 2,
        created_by: api,
      });
      expect(restored).toMatchObject({ id: created.id, path: '/a.md', content: 'v1', content_sha256: sha256('v1') });

      const history = await repository.listVersions(storeId);
      expect(history.map((v) => [v.operation, v.content, v.created_by])).toEqual([
        ['created', 'v1', user], // restoring a deleted memory creates it again, under the same id
        ['deleted', null, api],
        ['modified', 'v2', dream],
        ['created', 'v1', agent],
      ]);
      expect(history[0]).toEqual({
        type: 'memory_version',
        id: restored.memory_version_id,
        memory_id: created.id,
        memory_store_id: storeId,
        operation: 'created',
        path: '/a.md',
        content: 'v1',
        content_sha256: sha256('v1'),
        content_size_bytes: 2,
        created_at: restored.updated_at,
        created_by: user,
      });
      expect(history[2].id).toBe(modified.memory_version_id);
      expect(await repository.getVersion(storeId, modified.memory_version_id)).toEqual(history[2]);
    });

    it('creates no version for a no-op write, update or restore', async () => {
      const memory = await repository.writeMemory(storeId, { path: '/a.md', content: 'same' }, agent);
      expect(await repository.writeMemory(storeId, { path: '/a.md', content: 'same' }, agent)).toEqual(memory);
      expect(await repository.updateMemory(storeId, memory.id, { content: 'same', path: '/a.md' }, agent)).toEqual(
        memory,
      );
      expect(await repository.restoreVersion(storeId, memory.memory_version_id, agent)).toEqual(memory);
      expect(await repository.listVersions(storeId)).toHaveLength(1);
    });

    it('restores an older path and content as a new modified version', async () => {
      const memory = await repository.writeMemory(storeId, { path: '/old.md', content: 'first' }, agent);
      await repository.updateMemory(storeId, memory.id, { path: '/new.md', content: 'second' }, agent);
      const restored = await repository.restoreVersion(storeId, memory.memory_version_id, user);
      expect(restored).toMatchObject({ id: memory.id, path: '/old.md', content: 'first' });
      const [latest] = await repository.listVersions(storeId, { limit: 1 });
      expect(latest).toMatchObject({ operation: 'modified', path: '/old.md', content: 'first', created_by: user });
      expect(latest.id).not.toBe(memory.memory_version_id);
    });

    it('refuses to restore a deletion, or into a path another memory took meanwhile', async () => {
      const memory = await repository.writeMemory(storeId, { path: '/a.md', content: 'a' }, agent);
      const deletion = await repository.deleteMemory(storeId, memory.id, {}, agent);
      await expect(repository.restoreVersion(storeId, deletion.id, agent)).rejects.toMatchObject({
        code: 'invalid_request_error',
        message: expect.stringMatching(/records a deletion.*restore an earlier version/),
      });
      const usurper = await repository.writeMemory(storeId, { path: '/a.md', content: 'someone else' }, agent);
      await expect(repository.restoreVersion(storeId, memory.memory_version_id, agent)).rejects.toMatchObject({
        code: 'memory_path_conflict_error',
        conflicting_memory_id: usurper.id,
      });
      await expect(repository.restoreVersion(storeId, 'memver_unknown', agent)).rejects.toMatchObject({
        code: 'not_found_error',
      });
    });

    it('lists per store and per memory, newest first, with a limit; versions outlive their memory', async () => {
      const a = await repository.writeMemory(storeId, { path: '/a.md', content: 'a1' }, agent);
      const b = await repository.writeMemory(storeId, { path: '/b.md', content: 'b1' }, agent);
      await repository.writeMemory(storeId, { path: '/a.md', content: 'a2' }, agent);
      await repository.writeMemory(storeId, { path: '/b.md', content: 'b2' }, agent);
      await repository.deleteMemory(storeId, a.id, {}, agent);

      expect((await repository.listVersions(storeId)).map((v) => v.content)).toEqual([null, 'b2', 'a2', 'b1', 'a1']);
      expect((await repository.listVersions(storeId, { limit: 2 })).map((v) => v.content)).toEqual([null, 'b2']);
      expect((await repository.listVersions(storeId, { memory_id: a.id })).map((v) => v.operation)).toEqual([
        'deleted',
        'modified',
        'created',
      ]);
      expect((await repository.listVersions(storeId, { memory_id: b.id, limit: 1 })).map((v) => v.content)).toEqual([
        'b2',
      ]);
      await expect(repository.listVersions(storeId, { limit: 0 })).rejects.toMatchObject({
        code: 'invalid_request_error',
      });
      await expect(repository.getMemory(storeId, a.id)).rejects.toMatchObject({ code: 'not_found_error' });
    });

    it('keeps versions of other stores apart', async () => {
      const other = await repository.createStore({ name: 'other' });
      const memory = await repository.writeMemory(other.id, { path: '/a.md', content: 'a' }, agent);
      await expect(repository.getVersion(storeId, memory.memory_version_id)).rejects.toMatchObject({
        code: 'not_found_error',
      });
      await expect(repository.restoreVersion(storeId, memory.memory_version_id, agent)).rejects.toMatchObject({
        code: 'not_found_error',
      });
      expect(await repository.listVersions(storeId)).toEqual([]);
    });
  });

  describe('preconditions', () => {
    it('writes nothing on a mismatch and says what was expected and found', async () => {
      const memory = await repository.writeMemory(storeId, { path: '/a.md', content: 'base' }, agent);
      await repository.writeMemory(storeId, { path: '/a.md', content: 'theirs' }, user);
      const error = await rejection(
        repository.writeMemory(
          storeId,
          { path: '/a.md', content: 'mine', expected_content_sha256: sha256('base') },
          agent,
        ),
        MemoryPreconditionFailedError,
      );
      expect(error).toMatchObject({
        code: 'memory_precondition_failed_error',
        expected_content_sha256: sha256('base'),
        actual_content_sha256: sha256('theirs'),
      });
      expect(error.message).toContain(
        `expected content_sha256 ${sha256('base')}, but its content_sha256 is ${sha256('theirs')}`,
      );
      expect(error.message).toMatch(/read it again/);

      await rejection(
        repository.updateMemory(
          storeId,
          memory.id,
          { path: '/moved.md', expected_content_sha256: sha256('base') },
          agent,
        ),
        MemoryPreconditionFailedError,
      );
      await rejection(
        repository.deleteMemory(storeId, memory.id, { expected_content_sha256: sha256('base') }, agent),
        MemoryPreconditionFailedError,
      );
      expect(await repository.getMemory(storeId, memory.id)).toMatchObject({ path: '/a.md', content: 'theirs' });
      expect(await repository.listVersions(storeId)).toHaveLength(2);
    });

    it('applies the change when the hash matches, for write, rename and delete', async () => {
      const memory = await repository.writeMemory(storeId, { path: '/a.md', content: 'base' }, agent);
      await repository.writeMemory(
        storeId,
        { path: '/a.md', content: 'next', expected_content_sha256: memory.content_sha256 },
        agent,
      );
      // The precondition of a rename refers to the current content.
      const moved = await repository.updateMemory(
        storeId,
        memory.id,
        { path: '/b.md', expected_content_sha256: sha256('next') },
        agent,
      );
      expect(moved).toMatchObject({ path: '/b.md', content: 'next' });
      const deletion = await repository.deleteMemory(
        storeId,
        memory.id,
        { expected_content_sha256: sha256('next') },
        agent,
      );
      expect(deletion.operation).toBe('deleted');
    });

    it('succeeds as a no-op when the stored content and path already equal the request, despite a stale hash', async () => {
      const memory = await repository.writeMemory(storeId, { path: '/a.md', content: 'old' }, agent);
      await repository.writeMemory(storeId, { path: '/a.md', content: 'done' }, user);
      const stale = memory.content_sha256;
      const result = await repository.writeMemory(
        storeId,
        { path: '/a.md', content: 'done', expected_content_sha256: stale },
        agent,
      );
      expect(result.content).toBe('done');
      await repository.updateMemory(storeId, memory.id, { content: 'done', expected_content_sha256: stale }, agent);
      expect(await repository.listVersions(storeId)).toHaveLength(2);
    });

    it('creates only where nothing is with if_absent, and otherwise writes nothing', async () => {
      const created = await repository.writeMemory(
        storeId,
        { path: '/once.md', content: 'first', if_absent: true },
        agent,
      );
      expect(created.content).toBe('first');
      const error = await rejection(
        repository.writeMemory(storeId, { path: '/once.md', content: 'second', if_absent: true }, user),
        MemoryAlreadyExistsError,
      );
      expect(error).toMatchObject({ code: 'memory_precondition_failed_error', memoryId: created.id });
      expect(error.message).toMatch(/already exists there/);
      expect(await repository.listVersions(storeId, { memory_id: created.id })).toHaveLength(1);
    });

    it('fails a write with a precondition when no memory exists at the path', async () => {
      const error = await rejection(
        repository.writeMemory(
          storeId,
          { path: '/new.md', content: 'x', expected_content_sha256: sha256('anything') },
          agent,
        ),
        MemoryPreconditionFailedError,
      );
      expect(error.actual_content_sha256).toBeNull();
      expect(error.message).toMatch(/no such memory exists/);
      await expect(repository.getMemoryByPath(storeId, '/new.md')).rejects.toMatchObject({ code: 'not_found_error' });
    });

    it('refuses a hash that is not 64 lowercase hex digits', async () => {
      await expect(
        repository.writeMemory(
          storeId,
          { path: '/a.md', content: 'x', expected_content_sha256: sha256('x').toUpperCase() },
          agent,
        ),
      ).rejects.toMatchObject({ code: 'invalid_request_error' });
    });
  });
});
