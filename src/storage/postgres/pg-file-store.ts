import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Pool } from 'pg';
import { FileTooLargeError, type FileStore, type StagedContent, type StoredFile } from '../file-store';
import { fileMetadataFormat } from '../records/file-records';
import { inTransaction } from './database';

/** Bytes a chunk row holds: big enough that a 500 MB file is 500 rows, small enough to stream. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * {@link FileStore} on PostgreSQL. An upload is written as chunk rows under a fresh content id as it arrives; the
 * commit inserts the file's row naming that content id, so a file that lists is whole, and an upload that never
 * commits (a crash) leaves chunks that no file names. Reading streams the chunks one at a time.
 */
export class PgFileStore implements FileStore {
  constructor(private readonly pool: Pool) {}

  async stage(content: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StagedContent> {
    const staged = new StagedChunks(this.pool, randomUUID());
    try {
      await staged.receive(content, maxBytes);
      return staged;
    } catch (error) {
      await staged.discard();
      throw error;
    }
  }

  async commit(staged: StagedContent, file: StoredFile): Promise<void> {
    if (!(staged instanceof StagedChunks)) throw new Error('not content this store staged');
    if (staged.size_bytes !== file.size_bytes || staged.sha256 !== file.sha256) {
      throw new Error(`file ${file.id}: the metadata does not describe the staged content`);
    }
    await this.pool.query('INSERT INTO lucid_files (id, content_id, record) VALUES ($1, $2, $3)', [
      file.id,
      staged.contentId,
      fileMetadataFormat.serialize(file),
    ]);
  }

  async get(fileId: string): Promise<StoredFile | null> {
    const { rows } = await this.pool.query<{ record: unknown }>('SELECT record FROM lucid_files WHERE id = $1', [
      fileId,
    ]);
    return rows[0] ? fileMetadataFormat.fromRecord(rows[0].record, location(fileId)) : null;
  }

  async list(): Promise<StoredFile[]> {
    const { rows } = await this.pool.query<{ id: string; record: unknown }>('SELECT id, record FROM lucid_files');
    return rows.map((row) => fileMetadataFormat.fromRecord(row.record, location(row.id)));
  }

  async openContent(fileId: string): Promise<Readable | null> {
    const { rows } = await this.pool.query<{ content_id: string | null }>(
      'SELECT content_id FROM lucid_files WHERE id = $1',
      [fileId],
    );
    const contentId = rows[0]?.content_id;
    if (!contentId) return null;
    return Readable.from(readChunks(this.pool, contentId));
  }

  async dropContent(fileId: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ content_id: string | null }>(
        'SELECT content_id FROM lucid_files WHERE id = $1 FOR UPDATE',
        [fileId],
      );
      const contentId = rows[0]?.content_id;
      if (!contentId) return;
      await client.query('UPDATE lucid_files SET content_id = NULL WHERE id = $1', [fileId]);
      await client.query('DELETE FROM lucid_file_chunks WHERE content_id = $1', [contentId]);
    });
  }

  async delete(fileId: string): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ content_id: string | null }>(
        'DELETE FROM lucid_files WHERE id = $1 RETURNING content_id',
        [fileId],
      );
      if (rows.length === 0) return false;
      if (rows[0].content_id) {
        await client.query('DELETE FROM lucid_file_chunks WHERE content_id = $1', [rows[0].content_id]);
      }
      return true;
    });
  }
}

/** An upload being received: counted and hashed as it arrives, written a chunk row at a time. */
class StagedChunks implements StagedContent {
  size_bytes = 0;
  sha256 = '';

  constructor(
    private readonly pool: Pool,
    readonly contentId: string,
  ) {}

  async receive(content: AsyncIterable<Uint8Array>, maxBytes: number): Promise<void> {
    const hash = createHash('sha256');
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let n = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      await this.pool.query('INSERT INTO lucid_file_chunks (content_id, n, bytes) VALUES ($1, $2, $3)', [
        this.contentId,
        n++,
        Buffer.concat(pending),
      ]);
      pending = [];
      pendingBytes = 0;
    };
    for await (const chunk of content) {
      this.size_bytes += chunk.byteLength;
      if (this.size_bytes > maxBytes) throw new FileTooLargeError(maxBytes);
      hash.update(chunk);
      pending.push(Buffer.from(chunk));
      pendingBytes += chunk.byteLength;
      if (pendingBytes >= CHUNK_BYTES) await flush();
    }
    await flush();
    this.sha256 = hash.digest('hex');
  }

  async discard(): Promise<void> {
    await this.pool.query('DELETE FROM lucid_file_chunks WHERE content_id = $1', [this.contentId]);
  }
}

async function* readChunks(pool: Pool, contentId: string): AsyncGenerator<Buffer> {
  for (let n = 0; ; n++) {
    const { rows } = await pool.query<{ bytes: Buffer }>(
      'SELECT bytes FROM lucid_file_chunks WHERE content_id = $1 AND n = $2',
      [contentId, n],
    );
    if (!rows[0]) return;
    yield rows[0].bytes;
  }
}

const location = (fileId: string) => `postgres lucid_files (${fileId})`;
