import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { atomicWriteFile, fsyncDirectory } from '../workspace/atomic-write';
import { FileTooLargeError, type FileStore, type StagedContent, type StoredFile } from './file-store';
import { readdirOrEmpty, readRecordFile } from './fs-records';
import { DataLayout } from './layout';
import { fileMetadataFormat } from './records/file-records';

/**
 * {@link FileStore} in the data directory (layout.ts): an upload is written to `files/.incoming/` and fsynced, then
 * renamed into the file's folder as `content`, and its `metadata.json` written last, so a file that lists is
 * whole; a crash before that leaves bytes no listing shows. Delete removes the metadata first for the same reason.
 */
export class FsFileStore implements FileStore {
  private readonly layout: DataLayout;

  constructor(dataDir: string) {
    this.layout = new DataLayout(dataDir);
  }

  async stage(content: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StagedContent> {
    await fs.mkdir(this.layout.incomingFilesDir, { recursive: true });
    const staged = new StagedFile(path.join(this.layout.incomingFilesDir, randomUUID()));
    try {
      await staged.receive(content, maxBytes);
      return staged;
    } catch (error) {
      await staged.discard();
      throw error;
    }
  }

  async commit(staged: StagedContent, file: StoredFile): Promise<void> {
    if (!(staged instanceof StagedFile)) throw new Error('not content this store staged');
    if (staged.size_bytes !== file.size_bytes || staged.sha256 !== file.sha256) {
      throw new Error(`file ${file.id}: the metadata does not describe the staged content`);
    }
    const dir = this.layout.fileDir(file.id);
    await fs.mkdir(dir, { recursive: true });
    await fs.rename(staged.file, this.layout.fileContentFile(file.id));
    await fsyncDirectory(dir);
    await atomicWriteFile(this.layout.fileMetadataFile(file.id), `${fileMetadataFormat.serialize(file, 2)}\n`);
  }

  async get(fileId: string): Promise<StoredFile | null> {
    return readRecordFile(this.layout.fileMetadataFile(fileId), fileMetadataFormat);
  }

  async list(): Promise<StoredFile[]> {
    const names = (await readdirOrEmpty(this.layout.filesDir)).filter((name) => !name.startsWith('.'));
    const files = await Promise.all(names.map((name) => this.get(decodeURIComponent(name))));
    return files.filter((file): file is StoredFile => file !== null);
  }

  async openContent(fileId: string): Promise<Readable | null> {
    if (!(await this.get(fileId))) return null;
    try {
      return (await fs.open(this.layout.fileContentFile(fileId), 'r')).createReadStream();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async dropContent(fileId: string): Promise<void> {
    await fs.rm(this.layout.fileContentFile(fileId), { force: true });
  }

  async delete(fileId: string): Promise<boolean> {
    try {
      await fs.rm(this.layout.fileMetadataFile(fileId));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    await fs.rm(this.layout.fileDir(fileId), { recursive: true, force: true });
    return true;
  }
}

/** An upload being received: counted and hashed as it is written, fsynced once whole. */
class StagedFile implements StagedContent {
  size_bytes = 0;
  sha256 = '';

  constructor(readonly file: string) {}

  async receive(content: AsyncIterable<Uint8Array>, maxBytes: number): Promise<void> {
    const hash = createHash('sha256');
    const handle = await fs.open(this.file, 'wx');
    try {
      for await (const chunk of content) {
        this.size_bytes += chunk.byteLength;
        if (this.size_bytes > maxBytes) throw new FileTooLargeError(maxBytes);
        hash.update(chunk);
        await handle.write(chunk);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.sha256 = hash.digest('hex');
  }

  async discard(): Promise<void> {
    await fs.rm(this.file, { force: true });
  }
}
