/** The filesystem store's own layout; what every session store does is in session-store-contract.test.ts. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SessionEvent } from '../../src/domain/events';
import { FsSessionStore } from '../../src/storage/fs-session-store';

const event = (seq: number): SessionEvent => ({
  id: `sevt_${seq}`,
  seq,
  processed_at: '2026-01-01T00:00:00Z',
  type: 'user.message',
  content: [{ type: 'text', text: `m${seq}` }],
});

describe('FsSessionStore', () => {
  it('keeps each session in one folder under sessions/, whatever its id, and nothing else', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-store-'));
    const store = new FsSessionStore(root);
    for (const id of ['team/a/../b', 'team-b', '..']) await store.appendEvents(id, [event(1)]);
    expect(fs.readdirSync(path.join(root, 'sessions'))).toHaveLength(3);
    expect(fs.readdirSync(root)).toEqual(['sessions']);
    expect(await store.watchEvents('sesn_none', () => undefined)).toBeNull();
    fs.rmSync(root, { recursive: true });
  });
});
