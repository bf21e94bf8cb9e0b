import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SessionEvent, SessionSnapshot } from '../../src/domain/events';
import { FsSessionStore } from '../../src/storage/fs-session-store';

const event = (seq: number, text = `m${seq}`): SessionEvent => ({
  id: `sevt_${seq}`,
  seq,
  processed_at: '2026-01-01T00:00:00Z',
  type: 'user.message',
  content: [{ type: 'text', text }],
});

describe('FsSessionStore', () => {
  let root: string;
  let store: FsSessionStore;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-store-'));
    store = new FsSessionStore(root);
  });

  it('is idempotent by seq: a retried write never duplicates an event', async () => {
    await store.appendEvents('sesn_a', [event(1), event(2)]);
    await store.appendEvents('sesn_a', [event(2), event(3)]);
    expect((await store.readEvents('sesn_a')).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('deletes one session whole (events, snapshot) and leaves the others', async () => {
    await store.appendEvents('sesn_a', [event(1)]);
    await store.appendEvents('sesn_b', [event(1)]);
    await store.deleteSession('sesn_a');
    await store.deleteSession('sesn_never');
    expect(await store.readEvents('sesn_a')).toEqual([]);
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

  it('keeps session ids that are not file-name safe apart, and lists snapshots newest first', async () => {
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
    await store.saveSnapshot(snapshot('team/a/../b', '2026-01-01T00:00:00Z'));
    await store.saveSnapshot(snapshot('team-b', '2026-01-02T00:00:00Z'));
    await store.saveSnapshot(snapshot('..', '2026-01-03T00:00:00Z'));
    expect((await store.listSnapshots()).map((s) => s.session_id)).toEqual(['..', 'team-b', 'team/a/../b']);
    expect(fs.readdirSync(path.join(root, 'sessions'))).toHaveLength(3);
    expect(fs.readdirSync(root)).toEqual(['sessions']);
  });
});
