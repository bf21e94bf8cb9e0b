/**
 * What reading an image's or a document's source shares: base64 data checked and decoded within a limit, an
 * uploaded file looked up (it exists, has not expired) and its bytes read, and zod parsing that names the field.
 */
import type { z } from 'zod';
import { describeIssues } from '../../domain/session-input';
import type { FileStore, StoredFile } from '../../storage/file-store';
import { invalidRequest } from '../api-error';

/**
 * The bytes of base64 `data`, or a 400 at `at`: not base64, or more than `maxBytes` (checked on the text's length
 * first, so an oversized value is refused before it is decoded).
 */
export function decodeBase64(data: string, maxBytes: number, at: string, tooLarge: () => Error): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) throw invalidRequest(`${at}: not base64`);
  if ((data.length / 4) * 3 > maxBytes + 2) throw tooLarge();
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > maxBytes) throw tooLarge();
  return bytes;
}

/** The file `fileId`, or a 400 at `at` when there is none or it has expired. */
export async function usableFile(files: FileStore, fileId: string, at: string, now = Date.now()): Promise<StoredFile> {
  const file = await files.get(fileId);
  if (!file) throw invalidRequest(`${at}: no file ${fileId}`);
  if (file.expires_at !== null && Date.parse(file.expires_at) <= now) {
    throw invalidRequest(`${at}: file ${fileId} expired at ${file.expires_at}`);
  }
  return file;
}

/** The file's first `count` bytes or more (all of them when it is shorter), or null when its bytes are gone. */
export async function fileBytes(files: FileStore, fileId: string, count = Infinity): Promise<Buffer | null> {
  const content = await files.openContent(fileId);
  if (!content) return null;
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of content) {
    chunks.push(Buffer.from(chunk as Uint8Array));
    length += (chunk as Uint8Array).length;
    if (length >= count) break;
  }
  content.destroy();
  return Buffer.concat(chunks);
}

/** A media type without its parameters (`text/plain; charset=utf-8` is `text/plain`). */
export function mediaTypeEssence(mediaType: string): string {
  return mediaType.split(';')[0].trim().toLowerCase();
}

export function parse<S extends z.ZodType>(schema: S, value: unknown, at: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(`${at}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
