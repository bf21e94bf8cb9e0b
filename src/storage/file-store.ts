/**
 * Uploaded files (the API's Files resource): their bytes as uploaded, and metadata written once they are whole.
 * An upload is received in two steps, so the caller can check the rest of a request after the bytes and keep
 * nothing when it refuses it: {@link FileStore.stage} takes the bytes in, counting and hashing them, and
 * {@link FileStore.commit} makes them a file; a staged upload that is not committed is discarded.
 */
import type { Readable } from 'node:stream';
import { LucidError } from '../errors';

export interface StoredFile {
  /** `file_...`. */
  id: string;
  filename: string;
  mime_type: string;
  size_bytes: number;
  /** sha-256 of the bytes, hex: what a copy of them is checked against. */
  sha256: string;
  created_at: string;
  /** After this the bytes are gone; null: never. */
  expires_at: string | null;
}

/** Bytes received and not yet a file. */
export interface StagedContent {
  readonly size_bytes: number;
  readonly sha256: string;
  /** Removes the bytes; harmless after a commit or a discard. */
  discard(): Promise<void>;
}

export interface FileStore {
  /** Takes `content` in; {@link FileTooLargeError}, keeping nothing, once it passes `maxBytes`. */
  stage(content: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StagedContent>;
  /** Makes staged bytes the file `file` (its size and sha256 must be the staged ones); durable before it returns. */
  commit(staged: StagedContent, file: StoredFile): Promise<void>;
  /** The file's metadata, or null when there is none with that id. */
  get(fileId: string): Promise<StoredFile | null>;
  /** Every file, in no particular order. */
  list(): Promise<StoredFile[]>;
  /** Its bytes, or null when the file or its bytes are gone. */
  openContent(fileId: string): Promise<Readable | null>;
  /** Removes its bytes and keeps its metadata (an expired file). */
  dropContent(fileId: string): Promise<void>;
  /** Removes it; false when there was none. */
  delete(fileId: string): Promise<boolean>;
}

export class FileTooLargeError extends LucidError {
  readonly code = 'file_too_large';
  readonly fault = 'user_input';

  constructor(readonly maxBytes: number) {
    super(`the file is larger than ${maxBytes} bytes, the most this server accepts`);
  }
}
