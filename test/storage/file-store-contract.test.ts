/**
 * What the file store and the delta spool do, whichever backend keeps them: the same tests against the data
 * directory and a real throwaway PostgreSQL.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { DeltaRecord } from '../../src/domain/event-deltas';
import type { DeltaSpool } from '../../src/storage/delta-spool';
import { FileTooLargeError, type FileStore, type StoredFile } from '../../src/storage/file-store';
import { FsDeltaSpool } from '../../src/storage/fs-delta-spool';
import { FsFileStore } from '../../src/storage/fs-file-store';
import { PgDeltaSpool } from '../../src/storage/postgres/pg-delta-spool';
import { PgFileStore } from '../../src/storage/postgres/pg-file-store';
import { usePostgres } from '../helpers/postgres';
import { waitFor } from '../helpers/wait-for';

const postgres = usePostgres({ database: 'lucid_files' });

interface Stores {
  files: FileStore;
  deltas: DeltaSpool;
  close(): Promise<void>;
}

const backends: Array<{ name: string; open(): Promise<Stores> }> = [
  {
    name: 'filesystem',
    async open() {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-files-'));
      return {
        files: new FsFileStore(dataDir),
        deltas: new FsDeltaSpool(dataDir),
        close: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const pool = postgres.pool();
      await pool.query('TRUNCATE lucid_files, lucid_file_chunks, lucid_delta_spools, lucid_delta_spool_heads');
      const deltas = new PgDeltaSpool(pool);
      return { files: new PgFileStore(pool), deltas, close: () => deltas.close() };
    },
  },
];

async function* inPieces(bytes: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

async function readAll(stream: Readable | null): Promise<Buffer | null> {
  if (!stream) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

const metadata = (id: string, bytes: Buffer): StoredFile => ({
  id,
  filename: 'data.bin',
  mime_type: 'application/octet-stream',
  size_bytes: bytes.length,
  sha256: createHash('sha256').update(bytes).digest('hex'),
  created_at: '2026-12-02T00:00:00.000Z',
  expires_at: null,
});

const delta = (seq: number, text: string): DeltaRecord => ({
  type: 'event_delta',
  seq,
  event_id: `sevt_${seq}`,
  delta: { type: 'content_delta', content: { type: 'text', text }, index: 0 },
});

describe.each(backends)('files and delta spools on $name', (backend) => {
  let stores: Stores;
  beforeEach(async () => {
    stores = await backend.open();
  });
  afterEach(() => stores.close());

  it('keeps a file of several megabytes byte for byte, and lists it once committed', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const staged = await stores.files.stage(inPieces(bytes, 64 * 1024), 10 * 1024 * 1024);
    expect(staged).toMatchObject({ size_bytes: bytes.length, sha256: metadata('x', bytes).sha256 });
    expect(await stores.files.list()).toEqual([]);
    await stores.files.commit(staged, metadata('file_big', bytes));
    expect(await stores.files.get('file_big')).toEqual(metadata('file_big', bytes));
    expect(await stores.files.list()).toEqual([metadata('file_big', bytes)]);
    expect((await readAll(await stores.files.openContent('file_big')))?.equals(bytes)).toBe(true);
  });

  it('refuses an upload past its limit and keeps none of it; refuses metadata that does not match', async () => {
    const bytes = randomBytes(5000);
    await expect(stores.files.stage(inPieces(bytes, 1000), 4096)).rejects.toThrow(FileTooLargeError);
    const staged = await stores.files.stage(inPieces(bytes, 1000), 8192);
    await expect(stores.files.commit(staged, { ...metadata('file_x', bytes), size_bytes: 1 })).rejects.toThrow(
      'the metadata does not describe the staged content',
    );
    await staged.discard();
    expect(await stores.files.get('file_x')).toBeNull();
  });

  it('drops a file’s bytes but keeps its metadata; deletes it whole', async () => {
    const bytes = Buffer.from('twelve bytes');
    await stores.files.commit(await stores.files.stage(inPieces(bytes, 5), 100), metadata('file_a', bytes));
    await stores.files.dropContent('file_a');
    expect(await stores.files.openContent('file_a')).toBeNull();
    expect(await stores.files.get('file_a')).toEqual(metadata('file_a', bytes));
    expect(await stores.files.delete('file_a')).toBe(true);
    expect(await stores.files.delete('file_a')).toBe(false);
    expect(await stores.files.get('file_a')).toBeNull();
    expect(await stores.files.openContent('file_none')).toBeNull();
  });

  it('spools the newest request’s deltas in order, from an index, and drops older requests’', async () => {
    const { deltas } = stores;
    expect(await deltas.readNewest('sesn_d', { startSeq: 0, index: 0 })).toBeNull();
    await deltas.begin('sesn_d', 5);
    expect(await deltas.readNewest('sesn_d', { startSeq: 5, index: 0 })).toEqual({ startSeq: 5, records: [] });
    await deltas.append('sesn_d', 5, [delta(6, 'Hel'), delta(6, 'lo')]);
    await deltas.append('sesn_d', 5, [delta(6, ' there')]);
    expect(await deltas.readNewest('sesn_d', { startSeq: 5, index: 1 })).toEqual({
      startSeq: 5,
      records: [delta(6, 'lo'), delta(6, ' there')],
    });
    await deltas.begin('sesn_d', 9);
    await deltas.append('sesn_d', 9, [delta(10, 'next')]);
    // Asked from the old request: everything of the newest one.
    expect(await deltas.readNewest('sesn_d', { startSeq: 5, index: 3 })).toEqual({
      startSeq: 9,
      records: [delta(10, 'next')],
    });
    expect(await deltas.readNewest('sesn_other', { startSeq: 0, index: 0 })).toBeNull();
  });

  it('tells a watcher of a session’s spool when deltas arrive', async () => {
    await stores.deltas.begin('sesn_w', 1);
    let changes = 0;
    const watch = stores.deltas.watch('sesn_w', () => changes++);
    expect(watch).not.toBeNull();
    await waitFor(async () => {
      await stores.deltas.append('sesn_w', 1, [delta(2, 'x')]);
      return changes > 0;
    }, 'a change to be reported');
    watch?.close();
  });
});
