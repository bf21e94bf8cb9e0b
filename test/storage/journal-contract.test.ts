/**
 * What the tool journal, the memory journal and the prompt store do, whichever backend keeps them: the same
 * tests against the filesystem and a real throwaway PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsMemoryJournal } from '../../src/storage/fs-memory-journal';
import { FsPromptStore, promptSha256 } from '../../src/storage/fs-prompt-store';
import { FsToolJournal } from '../../src/storage/fs-tool-journal';
import type { MemoryJournal } from '../../src/storage/memory-journal';
import { PgMemoryJournal, PgToolJournal } from '../../src/storage/postgres/pg-journals';
import { PgPromptStore } from '../../src/storage/postgres/pg-prompt-store';
import { PgSessionStore } from '../../src/storage/postgres/pg-session-store';
import type { PromptStore } from '../../src/storage/prompt-store';
import { StoredRecordError } from '../../src/storage/record-error';
import type { JournalEntry, ToolJournal } from '../../src/storage/tool-journal';
import { usePostgres } from '../helpers/postgres';

const postgres = usePostgres({ database: 'lucid_journals' });

interface Stores {
  toolJournal(sessionId: string): ToolJournal;
  memoryJournal(sessionId: string): MemoryJournal;
  prompts: PromptStore;
  /** Puts a prompt record whose text does not hash to its key, as a damaged store would hold. */
  corruptPrompt(sha256: string, text: string): Promise<void>;
}

const backends: Array<{ name: string; open(): Stores }> = [
  {
    name: 'filesystem',
    open() {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-journals-'));
      const promptDir = path.join(root, 'prompts');
      return {
        toolJournal: (sessionId) => new FsToolJournal(path.join(root, sessionId, 'tool-journal')),
        memoryJournal: (sessionId) => new FsMemoryJournal(path.join(root, sessionId, 'memory-journal')),
        prompts: new FsPromptStore(promptDir),
        async corruptPrompt(sha256, text) {
          fs.mkdirSync(promptDir, { recursive: true });
          fs.writeFileSync(path.join(promptDir, `${sha256}.json`), JSON.stringify({ schema_version: 1, sha256, text }));
        },
      };
    },
  },
  {
    name: 'postgres',
    open() {
      const pool = postgres.pool();
      return {
        toolJournal: (sessionId) => new PgToolJournal(pool, sessionId),
        memoryJournal: (sessionId) => new PgMemoryJournal(pool, sessionId),
        prompts: new PgPromptStore(pool),
        async corruptPrompt(sha256, text) {
          await pool.query('INSERT INTO lucid_prompts (sha256, record) VALUES ($1, $2)', [
            sha256,
            JSON.stringify({ schema_version: 1, sha256, text }),
          ]);
        },
      };
    },
  },
];

const done = (callId: string, content: string): JournalEntry => ({
  version: 2,
  callId,
  name: 'write',
  state: 'done',
  outcome: { content, is_error: false },
});

describe.each(backends)('journals and prompts on $name', (backend) => {
  let stores: Stores;
  beforeEach(() => {
    stores = backend.open();
  });

  it('keeps one tool journal entry a call, per session: replaced on write, gone on remove', async () => {
    const journal = stores.toolJournal('sesn_j1');
    expect(await journal.read('toolu_1')).toBeNull();
    await journal.write({ version: 2, callId: 'toolu_1', name: 'bash', state: 'started' });
    await journal.write(done('toolu_1', 'ran once'));
    await journal.write(done('toolu_2', 'another'));
    expect(await journal.read('toolu_1')).toEqual(done('toolu_1', 'ran once'));
    expect(await stores.toolJournal('sesn_other').read('toolu_1')).toBeNull();
    expect((await journal.callIds()).sort()).toEqual(['toolu_1', 'toolu_2']);
    await journal.remove('toolu_1');
    await journal.remove('toolu_never');
    expect(await journal.read('toolu_1')).toBeNull();
    expect(await journal.read('toolu_2')).toEqual(done('toolu_2', 'another'));
    expect(await journal.callIds()).toEqual(['toolu_2']);
    expect(await stores.toolJournal('sesn_never_written').callIds()).toEqual([]);
  });

  it('keeps a memory intent a call, per session', async () => {
    const journal = stores.memoryJournal('sesn_m1');
    const intent = {
      state: 'pending' as const,
      result: 'saved',
      after_sha256: null,
      store_id: 'memstore_1',
      path: '/a.md',
    };
    await journal.write('toolu_1', intent);
    await journal.write('toolu_1', { ...intent, state: 'done' });
    expect(await journal.read('toolu_1')).toEqual({ ...intent, state: 'done' });
    expect(await journal.read('toolu_2')).toBeNull();
    expect(await stores.memoryJournal('sesn_m2').read('toolu_1')).toBeNull();
  });

  it('stores a prompt by its hash, once, and gives the same text back', async () => {
    const text = 'You are a careful agent. 🧭';
    const sha256 = await stores.prompts.put(text);
    expect(sha256).toBe(promptSha256(text));
    expect(await stores.prompts.put(text)).toBe(sha256);
    expect(await stores.prompts.get(sha256)).toBe(text);
    expect(await stores.prompts.get(promptSha256('never stored'))).toBeNull();
  });

  it('refuses a stored prompt whose text does not hash to its key', async () => {
    const sha256 = promptSha256(`expected ${backend.name}`);
    await stores.corruptPrompt(sha256, 'something else');
    await expect(stores.prompts.get(sha256)).rejects.toThrow(StoredRecordError);
  });
});

test('deleting a session on PostgreSQL removes its journals too, and only its own', async () => {
  const pool = postgres.pool();
  await new PgToolJournal(pool, 'sesn_gone').write(done('toolu_1', 'x'));
  await new PgMemoryJournal(pool, 'sesn_gone').write('toolu_1', {
    state: 'done',
    result: 'ok',
    after_sha256: null,
    store_id: 'memstore_1',
    path: '/a.md',
  });
  await new PgToolJournal(pool, 'sesn_kept').write(done('toolu_1', 'y'));
  const sessions = new PgSessionStore(pool);
  await sessions.deleteSession('sesn_gone');
  await sessions.close();
  expect(await new PgToolJournal(pool, 'sesn_gone').read('toolu_1')).toBeNull();
  expect(await new PgMemoryJournal(pool, 'sesn_gone').read('toolu_1')).toBeNull();
  expect(await new PgToolJournal(pool, 'sesn_kept').read('toolu_1')).toEqual(done('toolu_1', 'y'));
});
