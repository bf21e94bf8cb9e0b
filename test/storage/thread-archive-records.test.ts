/**
 * A session's thread archive marks (src/storage/thread-archive-store.ts): the frozen v1 fixture (never
 * regenerated) read back through the real storage, and what archiving writes reads back the same way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStorage } from '../../src/storage/open-storage';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'records', 'thread-archive.v1.json');

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-thread-archives-'));
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test('a v1 record is read as its archive marks', async () => {
  fs.mkdirSync(path.join(root, 'thread-archives'));
  fs.copyFileSync(FIXTURE, path.join(root, 'thread-archives', 'sesn_fixture1.json'));
  const archives = openStorage({ dataDir: root }).threadArchives;
  expect(await archives.archived('sesn_fixture1')).toEqual({
    sthr_tW7wTsRNCsmrRaVaTknpHnBt: '2026-12-02T03:41:09.105Z',
  });
  expect(await archives.archived('sesn_other1')).toEqual({});
});

test('archiving keeps the first time, and archives at once all land', async () => {
  const archives = openStorage({ dataDir: root }).threadArchives;
  await Promise.all([
    archives.archive('sesn_a1', 'sthr_one', '2026-12-02T03:00:00.000Z'),
    archives.archive('sesn_a1', 'sthr_two', '2026-12-02T03:00:01.000Z'),
  ]);
  await archives.archive('sesn_a1', 'sthr_one', '2026-12-02T04:00:00.000Z');
  expect(await archives.archived('sesn_a1')).toEqual({
    sthr_one: '2026-12-02T03:00:00.000Z',
    sthr_two: '2026-12-02T03:00:01.000Z',
  });
});
