/**
 * What every SessionStore does, whichever backend keeps it: the same tests, against the filesystem store and
 * against the PostgreSQL store on a real throwaway server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SessionEvent, SessionSnapshot } from '../../src/domain/events';
import { FsSessionStore } from '../../src/storage/fs-session-store';
import { PgSessionStore } from '../../src/storage/postgres/pg-session-store';
import type { SessionStore } from '../../src/storage/session-store';
import { usePostgres } from '../helpers/postgres';
import { waitFor } from '../helpers/wait-for';

const postgres = usePostgres();

interface Backend {
  name: string;
  open(): Promise<{ store: SessionStore; close(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'filesystem',
    async open() {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-store-'));
      return { store: new FsSessionStore(root), close: async () => fs.rmSync(root, { recursive: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      await postgres.pool().query('TRUNCATE lucid_session_events, lucid_session_snapshots, lucid_tool_journal');
      const store = new PgSessionStore(postgres.pool());
      return { store, close: () => store.close() };
    },
  },
];

const event = (seq: number, text = `m${seq}`): SessionEvent => ({
  id: `sevt_${seq}`,
  seq,
  processed_at: '2026-01-01T00:00:00Z',
  type: 'user.message',
  content: [{ type: 'text', text }],
});

const snapshot = (id: string, created: string): SessionSnapshot => ({
  session_id: id,
  agent: 'a',
  status: 'terminated',
  stop_reason: { type: 'end_turn' },
  final_message: null,
  usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  grader_usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  outcome_evaluations: [],
  threads: [],
  turns: 0,
  event_count: 0,
  workspace: '/w',
  created_at: created,
  updated_at: created,
});

describe.each(backends)('SessionStore on $name', (backend) => {
  let store: SessionStore;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ store, close } = await backend.open());
  });
  afterEach(() => close());

  it('is idempotent by seq: a retried write never duplicates an event', async () => {
    await store.appendEvents('sesn_a', [event(1), event(2)]);
    await store.appendEvents('sesn_a', [event(2), event(3)]);
    expect((await store.readEvents('sesn_a')).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await store.readEvents('sesn_a', { afterSeq: 1, limit: 1 })).toEqual([event(2)]);
  });

  it('keeps every event once when 20 writers append at once, retries overlapping', async () => {
    const writers = Array.from({ length: 20 }, (_, writer) =>
      store.appendEvents('sesn_many', [event(writer * 2 + 1), event(writer * 2 + 2), event(Math.max(1, writer * 2))]),
    );
    await Promise.all(writers);
    expect((await store.readEvents('sesn_many')).map((e) => e.seq)).toEqual(
      Array.from({ length: 40 }, (_, index) => index + 1),
    );
  });

  it('gives back any text as written: NUL, astral characters, a megabyte of tool output', async () => {
    const odd = event(1, 'nul \u0000 here, emoji 🧭, quote " and backslash \\');
    const long = event(2, 'x'.repeat(1_000_000));
    await store.appendEvents('sesn_text', [odd, long]);
    expect(await store.readEvents('sesn_text')).toEqual([odd, long]);
  });

  it('deletes one session whole (events, snapshot) and leaves the others', async () => {
    await store.appendEvents('sesn_a', [event(1)]);
    await store.appendEvents('sesn_b', [event(1)]);
    await store.saveSnapshot(snapshot('sesn_a', '2026-01-01T00:00:00Z'));
    await store.deleteSession('sesn_a');
    await store.deleteSession('sesn_never');
    expect(await store.readEvents('sesn_a')).toEqual([]);
    expect(await store.readSnapshot('sesn_a')).toBeNull();
    expect(await store.readEvents('sesn_b')).toHaveLength(1);
  });

  it('reads pages in seq order, numerically (10 after 9)', async () => {
    await store.appendEvents(
      'sesn_a',
      Array.from({ length: 12 }, (_, index) => event(12 - index)),
    );
    expect((await store.readEvents('sesn_a', { afterSeq: 8, limit: 3 })).map((e) => e.seq)).toEqual([9, 10, 11]);
    expect(await store.readEvents('sesn_missing')).toEqual([]);
  });

  it('keeps session ids that are not file-name safe apart, replaces a snapshot, and lists newest first', async () => {
    await store.saveSnapshot(snapshot('team/a/../b', '2026-01-01T00:00:00Z'));
    await store.saveSnapshot(snapshot('team-b', '2026-01-02T00:00:00Z'));
    await store.saveSnapshot(snapshot('..', '2026-01-03T00:00:00Z'));
    await store.saveSnapshot({ ...snapshot('team-b', '2026-01-02T00:00:00Z'), turns: 4 });
    expect((await store.listSnapshots()).map((s) => s.session_id)).toEqual(['..', 'team-b', 'team/a/../b']);
    expect(await store.readSnapshot('team-b')).toMatchObject({ session_id: 'team-b', turns: 4 });
    expect(await store.readSnapshot('sesn_never')).toBeNull();
  });

  it('tells a watcher of appends to the log it watches, not of others, and stops when closed', async () => {
    await store.appendEvents('sesn_w', [event(1)]);
    let changes = 0;
    const watch = store.watchEvents('sesn_w', () => changes++);
    expect(watch).not.toBeNull();
    // A watch may start listening after it returns: append until it hears one, as a tailing reader polls.
    let seq = 1;
    await waitFor(async () => {
      await store.appendEvents('sesn_w', [event(++seq)]);
      return changes > 0;
    }, 'a change to be reported');
    watch?.close();
    const heard = changes;
    await store.appendEvents('sesn_other', [event(1)]);
    await store.appendEvents('sesn_w', [event(++seq)]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(changes).toBe(heard);
  });
});
