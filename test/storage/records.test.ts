/**
 * Every on-disk record shape, as frozen fixtures (test/fixtures/records/, never regenerated), read back through
 * the real storage: each file is put where the filesystem layout keeps it and read through openStorage. Records
 * from before versions existed (v0) must keep reading; broken or unknown records fail with a StoredRecordError
 * naming the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiAgentVersion } from '../../src/domain/api-agent';
import { ZERO_USAGE } from '../../src/domain/usage';
import { AgentVersionConflictError } from '../../src/storage/agent-store';
import type { SessionRecord } from '../../src/storage/session-record-store';
import { StoredRecordError } from '../../src/storage/record-error';
import { DataLayout } from '../../src/storage/layout';
import { openStorage, type Storage } from '../../src/storage/open-storage';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'records');
const SESSION = 'sesn_7Hq2mXbR4kVt9PzLc3WnYd8F';
const DREAM = 'drm_Fa8kL2pQ9wXz4Rt7Bn3Mc6Vy';
const STORE = 'memstore_9xYt2LmQ4Rb7';

let root: string;
let layout: DataLayout;
let storage: Storage;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-records-'));
  layout = new DataLayout(root);
  storage = openStorage({ dataDir: root });
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

/** Copies the fixture, byte for byte, to `file` in the data dir. */
function place(name: string, file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, name), file);
  return file;
}

function withoutField(record: Record<string, unknown>, field = 'schema_version'): Record<string, unknown> {
  const { [field]: _ignored, ...rest } = record;
  return rest;
}

const eventFile = (seq: number) => path.join(layout.eventsDir(SESSION), `${String(seq).padStart(10, '0')}.json`);

describe('session records', () => {
  test.each(['session-event.v0.json', 'session-event.v1.json'])('%s reads as the event it holds', async (name) => {
    const expected = withoutField(fixture(name));
    place(name, eventFile(expected.seq as number));
    expect(await storage.sessions.readEvents(SESSION)).toEqual([expected]);
  });

  test('the first snapshot shape (no grader usage, outcomes or threads) reads with zero usage and none', async () => {
    place('session-snapshot.v0-first.json', layout.snapshotFile(SESSION));
    const snapshot = await storage.sessions.readSnapshot(SESSION);
    expect(snapshot).toEqual({
      ...fixture('session-snapshot.v0-first.json'),
      grader_usage: ZERO_USAGE,
      outcome_evaluations: [],
      threads: [],
    });
    expect(snapshot).not.toHaveProperty('schema_version');
  });

  test.each(['session-snapshot.v0.json', 'session-snapshot.v1.json'])('%s reads as it was written', async (name) => {
    place(name, layout.snapshotFile(SESSION));
    expect(await storage.sessions.readSnapshot(SESSION)).toEqual(withoutField(fixture(name)));
    expect(await storage.sessions.listSnapshots()).toHaveLength(1);
  });

  test('what the store writes now is version 1, and reads back unchanged', async () => {
    place('session-snapshot.v0.json', layout.snapshotFile(SESSION));
    const snapshot = (await storage.sessions.readSnapshot(SESSION))!;
    await storage.sessions.saveSnapshot(snapshot);
    const written = JSON.parse(fs.readFileSync(layout.snapshotFile(SESSION), 'utf8'));
    expect(written).toEqual({ schema_version: 1, ...withoutField(fixture('session-snapshot.v0.json')) });
    expect(await storage.sessions.readSnapshot(SESSION)).toEqual(snapshot);
  });

  test('a snapshot with fields a newer writer added (a terminal error) still reads, keeping them', async () => {
    const file = layout.snapshotFile(SESSION);
    const error = {
      type: 'model_request_failed_error',
      message: '400 bad request',
      retry_status: { type: 'terminal' },
    };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ ...fixture('session-snapshot.v1.json'), error }));
    expect(await storage.sessions.readSnapshot(SESSION)).toMatchObject({ error });
  });
});

describe('dream records', () => {
  test.each(['dream.v0.json', 'dream.v1.json', 'dream.v1-provenance.json'])(
    '%s reads as the dream it holds',
    async (name) => {
      place(name, layout.dreamFile(DREAM));
      const expected = withoutField(fixture(name));
      expect(await storage.dreams.readDream(DREAM)).toEqual(expected);
      expect(await storage.dreams.listDreams()).toEqual([expected]);
    },
  );

  test('a change saved before evidence provenance reads without it; one saved after keeps it', async () => {
    place('dream.v1.json', layout.dreamFile(DREAM));
    const [old] = (await storage.dreams.readDream(DREAM))!.changes;
    expect(old.provenance).toBeUndefined();
    expect(old.trusted).toBeUndefined();
    place('dream.v1-provenance.json', layout.dreamFile(DREAM));
    const [change] = (await storage.dreams.readDream(DREAM))!.changes;
    expect(change.trusted).toBe(true);
    expect(change.provenance?.map((item) => item.kind)).toEqual(['user_message', 'agent_reasoning', 'tool_output']);
  });

  test.each([
    ['dream-mark.v0.json', '2026-11-20T10:00:00.000Z'],
    ['dream-mark.v1.json', '2026-12-01T18:00:00.000Z'],
  ])('%s gives the store its last dream time', async (name, lastDreamAt) => {
    place(name, layout.dreamStoreMarkFile(STORE));
    expect(await storage.dreams.lastDreamAt(STORE)).toBe(lastDreamAt);
  });

  test.each(['dream-hold.v0.json', 'dream-hold.v1.json'])('%s holds the store for its dream', async (name) => {
    place(name, layout.dreamHoldFile(STORE));
    const running = async (dreamId: string) => dreamId === DREAM;
    expect(await storage.dreams.hold(STORE, 'drm_other', running)).toEqual(withoutField(fixture(name)));
    await storage.dreams.release(STORE, DREAM);
    expect(await storage.dreams.hold(STORE, 'drm_other', running)).toBeNull();
  });

  test('dream-api-record.v1.json reads as the API record it holds, and is written back unchanged', async () => {
    const file = place('dream-api-record.v1.json', layout.dreamApiRecordFile(DREAM));
    const expected = withoutField(fixture('dream-api-record.v1.json'));
    const record = await storage.dreams.readApiRecord(DREAM);
    expect(record).toEqual(expected);
    expect(await storage.dreams.listApiRecords()).toEqual([expected]);
    await storage.dreams.saveApiRecord(record!);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(fixture('dream-api-record.v1.json'));
  });
});

describe('memory records', () => {
  /** A store whose index (format 1) names a version written before versions existed and one written after. */
  function placeStore(): void {
    const storeDir = path.join(layout.memoryDir, 'stores', STORE);
    place('memory-index.format1.json', path.join(storeDir, 'index', '000000000001.json'));
    for (const name of ['memory-version.v0.json', 'memory-version.v1.json']) {
      place(name, path.join(storeDir, 'versions', `${fixture(name).id as string}.json`));
    }
  }

  test('the index reads as its store and memories, content from the current version', async () => {
    placeStore();
    const index = fixture('memory-index.format1.json');
    expect(await storage.memory.getStore(STORE)).toEqual({ ...(index.store as object), metadata: {} }); // format 2 added it
    const memory = await storage.memory.getMemoryByPath(STORE, '/lessons/tests.md');
    expect(memory).toMatchObject({ id: 'mem_5Tz9Qa4Rm2Hc', content: fixture('memory-version.v1.json').content });
  });

  test('versions of both shapes read as the versions they hold, newest first', async () => {
    placeStore();
    expect(await storage.memory.listVersions(STORE)).toEqual([
      withoutField(fixture('memory-version.v1.json')),
      fixture('memory-version.v0.json'),
    ]);
  });

  test('an old version redacted is rewritten in the current shape, without its path or content', async () => {
    placeStore();
    const old = fixture('memory-version.v0.json');
    const actor = { type: 'user_actor', user_id: 'ana' } as const;
    const redacted = await storage.memory.redactVersion(STORE, old.id as string, actor);
    expect(redacted).toMatchObject({ id: old.id, created_by: old.created_by, path: null, content: null });
    expect(await storage.memory.getVersion(STORE, old.id as string)).toEqual(redacted);
    const file = path.join(layout.memoryDir, 'stores', STORE, 'versions', `${old.id as string}.json`);
    expect(fs.readFileSync(file, 'utf8')).not.toContain(old.path as string);
  });

  test('a format 2 index and schema 2 versions, one redacted, read as they are', async () => {
    const store = 'memstore_4Hn7Rt2Kw9Qz';
    const storeDir = path.join(layout.memoryDir, 'stores', store);
    place('memory-index.format2.json', path.join(storeDir, 'index', '000000000001.json'));
    for (const name of ['memory-version.v2-redacted.json', 'memory-version.v2.json']) {
      place(name, path.join(storeDir, 'versions', `${fixture(name).id as string}.json`));
    }
    expect(await storage.memory.getStore(store)).toEqual(fixture('memory-index.format2.json').store);
    const memory = await storage.memory.getMemoryByPath(store, '/habits/commits.md');
    expect(memory.content).toBe(fixture('memory-version.v2.json').content);
    expect(await storage.memory.listVersions(store)).toEqual([
      withoutField(fixture('memory-version.v2.json')),
      withoutField(fixture('memory-version.v2-redacted.json')),
    ]);
  });

  test('a write on the old store keeps it readable, in the current format', async () => {
    placeStore();
    const actor = { type: 'user_actor', user_id: 'ana' } as const;
    await storage.memory.writeMemory(STORE, { path: '/lessons/new.md', content: 'new' }, actor);
    expect((await storage.memory.listMemories(STORE)).map((memory) => memory.path)).toEqual([
      '/lessons/new.md',
      '/lessons/tests.md',
    ]);
  });
});

describe('journal records', () => {
  test.each([
    'tool-journal-entry.v1-done.json',
    'tool-journal-entry.v1-pending.json',
    'tool-journal-entry.v2-started.json',
  ])('%s reads as the entry it holds, in the current version', async (name) => {
    const entry = fixture(name);
    place(name, path.join(layout.toolJournalDir(SESSION), `${entry.callId as string}.json`));
    expect(await storage.toolJournal(SESSION).read(entry.callId as string)).toEqual({ ...entry, version: 2 });
  });

  test.each(['memory-intent.v0.json', 'memory-intent.v1.json'])('%s reads as the intent it holds', async (name) => {
    place(name, path.join(layout.memoryJournalDir(SESSION), 'toolu_m1.json'));
    expect(await storage.memoryJournal(SESSION).read('toolu_m1')).toEqual(withoutField(fixture(name)));
  });
});

describe('prompt records', () => {
  test('prompt.v1.json reads as the text its hash names', async () => {
    const record = fixture('prompt.v1.json');
    const sha256 = record.sha256 as string;
    place('prompt.v1.json', path.join(layout.promptsDir, `${sha256}.json`));
    expect(await storage.prompts.get(sha256)).toBe(record.text);
  });

  test('a prompt is stored under the sha-256 of its text, once, and an unknown hash reads as none', async () => {
    const text = fixture('prompt.v1.json').text as string;
    const sha256 = await storage.prompts.put(text);
    expect(sha256).toBe(fixture('prompt.v1.json').sha256);
    expect(await storage.prompts.put(text)).toBe(sha256);
    expect(fs.readdirSync(layout.promptsDir)).toEqual([`${sha256}.json`]);
    expect(JSON.parse(fs.readFileSync(path.join(layout.promptsDir, `${sha256}.json`), 'utf8'))).toEqual(
      fixture('prompt.v1.json'),
    );
    expect(await storage.prompts.get('0'.repeat(64))).toBeNull();
  });
});

describe('agent records', () => {
  const AGENT = 'agent_4Fq9LmX2bR7kVt3PzWc8Nd6Y';

  test('agent-version.v1.json and agent-archive.v1.json read as the archived agent they hold', async () => {
    place('agent-version.v1.json', layout.agentVersionFile(AGENT, 2));
    place('agent-archive.v1.json', layout.agentArchiveFile(AGENT));
    // Saved before agents had a multiagent roster: read as single-threaded.
    const version = { ...withoutField(fixture('agent-version.v1.json')), multiagent: null };
    expect(await storage.agents.get(AGENT)).toEqual({ latest: version, archived_at: '2026-11-30T11:00:00.000Z' });
    expect(await storage.agents.getVersion(AGENT, 2)).toEqual(version);
    expect(await storage.agents.listVersions(AGENT)).toEqual([version]);
  });

  test('a version is written as the fixture is, and the same version twice is a conflict', async () => {
    const version = withoutField(fixture('agent-version.v2.json')) as unknown as ApiAgentVersion;
    await storage.agents.putVersion(version);
    const file = layout.agentVersionFile(AGENT, 2);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(fixture('agent-version.v2.json'));
    expect(await storage.agents.getVersion(AGENT, 2)).toEqual(version);
    await expect(storage.agents.putVersion({ ...version, name: 'other' })).rejects.toBeInstanceOf(
      AgentVersionConflictError,
    );
    expect((await storage.agents.getVersion(AGENT, 2))?.name).toBe('scribe');
    expect(fs.readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
  });
});

describe('session records', () => {
  test('session-record.v1.json reads as the archived API session it holds, its agent single-threaded', async () => {
    place('session-record.v1.json', layout.sessionRecordFile(SESSION));
    const v1 = withoutField(fixture('session-record.v1.json')) as unknown as SessionRecord;
    const record = { ...v1, agent: { ...v1.agent, multiagent: null } };
    expect(await storage.sessionRecords.get(SESSION)).toEqual(record);
    expect(await storage.sessionRecords.list()).toEqual([record]);
  });

  test('session-record.v2.json reads as the session and roster it holds, and is written back the same', async () => {
    place('session-record.v2.json', layout.sessionRecordFile(SESSION));
    const record = withoutField(fixture('session-record.v2.json')) as unknown as SessionRecord;
    expect(await storage.sessionRecords.get(SESSION)).toEqual(record);

    await storage.sessionRecords.delete(SESSION);
    expect(await storage.sessionRecords.get(SESSION)).toBeNull();
    await storage.sessionRecords.put(record);
    expect(JSON.parse(fs.readFileSync(layout.sessionRecordFile(SESSION), 'utf8'))).toEqual(
      fixture('session-record.v2.json'),
    );
  });
});

describe('records that cannot be read', () => {
  function write(file: string, text: string): string {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  }

  async function readFailure(read: () => Promise<unknown>): Promise<StoredRecordError> {
    const error = await read().then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(StoredRecordError);
    return error as StoredRecordError;
  }

  test('a torn snapshot is not JSON, and the error names the file', async () => {
    const file = write(layout.snapshotFile(SESSION), '{"session_id": "sesn_');
    const error = await readFailure(() => storage.sessions.readSnapshot(SESSION));
    expect(error).toMatchObject({ problem: 'not_json', file, kind: 'session snapshot' });
    expect(error.message).toContain(file);
  });

  test('a record from a newer Lucid is an unknown version, not a guess', async () => {
    const file = write(layout.dreamFile(DREAM), JSON.stringify({ ...fixture('dream.v1.json'), schema_version: 7 }));
    const error = await readFailure(() => storage.dreams.readDream(DREAM));
    expect(error).toMatchObject({ problem: 'unknown_version', file });
    expect(error.message).toMatch(/schema_version 7 is not one this Lucid reads \(up to 1\)/);
  });

  test('an event of the wrong shape says which field is wrong', async () => {
    const event = { ...fixture('session-event.v1.json'), seq: 'nine' };
    const file = write(eventFile(9), JSON.stringify(event));
    const error = await readFailure(() => storage.sessions.readEvents(SESSION));
    expect(error).toMatchObject({ problem: 'invalid', file });
    expect(error.message).toContain('seq');
  });

  test('an event of a type Lucid does not know is refused', async () => {
    const file = write(eventFile(9), JSON.stringify({ ...fixture('session-event.v1.json'), type: 'agent.dance' }));
    expect(await readFailure(() => storage.sessions.readEvents(SESSION))).toMatchObject({ problem: 'invalid', file });
  });

  test('a journal entry without its version is refused (the journal always had one)', async () => {
    const entry = withoutField(fixture('tool-journal-entry.v1-done.json'), 'version');
    const file = write(path.join(layout.toolJournalDir(SESSION), 'toolu_01Xk3.json'), JSON.stringify(entry));
    expect(await readFailure(() => storage.toolJournal(SESSION).read('toolu_01Xk3'))).toMatchObject({
      problem: 'invalid',
      file,
    });
  });

  test('a prompt file whose text does not hash to its name is refused, not sent to the model', async () => {
    const record = fixture('prompt.v1.json');
    const sha256 = record.sha256 as string;
    const file = write(path.join(layout.promptsDir, `${sha256}.json`), JSON.stringify({ ...record, text: 'other' }));
    expect(await readFailure(() => storage.prompts.get(sha256))).toMatchObject({ problem: 'invalid', file });
  });

  test('a memory index that stays torn is not JSON, naming the index file', async () => {
    const file = write(path.join(layout.memoryDir, 'stores', STORE, 'index', '000000000001.json'), '{"format":1,"sto');
    expect(await readFailure(() => storage.memory.getStore(STORE))).toMatchObject({ problem: 'not_json', file });
  });

  test('a memory index of another format is refused, naming the index file', async () => {
    const index = { ...fixture('memory-index.format1.json'), format: 3 };
    const file = write(
      path.join(layout.memoryDir, 'stores', STORE, 'index', '000000000001.json'),
      JSON.stringify(index),
    );
    expect(await readFailure(() => storage.memory.getStore(STORE))).toMatchObject({ problem: 'unknown_version', file });
  });
});
