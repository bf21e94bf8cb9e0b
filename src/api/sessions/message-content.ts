/**
 * The content blocks of a `user.message` sent over the API, read into the blocks Lucid's session takes: text, and
 * images and documents by file id. A base64 image (or a document, message-documents.ts) is checked here and stored
 * in the file store only once the whole batch has been read ({@link storeUploads}), so the workflow's history and
 * the event log carry a file id, never the bytes. An image sent by URL is refused: the worker fetches nothing it
 * was not asked to (the web_fetch tool has its own allowlist).
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { UserContentBlock } from '../../domain/events';
import { newFileId } from '../../domain/ids';
import type { FileStore } from '../../storage/file-store';
import { FileIdSchema } from '../files/file-params';
import { invalidRequest } from '../api-error';
import { decodeBase64, fileBytes, parse, usableFile } from './content-source';
import { readDocument, type ReadDocument } from './message-documents';

/** The image types the Messages API takes. */
export const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[number];

/** The Messages API's limit for one image. */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** A block as read: an image or a document sent with its content is held until the batch is known to be good. */
export type ReadBlock =
  UserContentBlock | { type: 'image'; upload: { media_type: ImageMediaType; bytes: Buffer } } | ReadDocument;

const TextBlockSchema = z.strictObject({ type: z.literal('text'), text: z.string().min(1).max(1_000_000) });
const ImageBlockSchema = z.strictObject({
  type: z.literal('image'),
  source: z.looseObject({ type: z.string() }),
});
const Base64SourceSchema = z.strictObject({
  type: z.literal('base64'),
  media_type: z.string(),
  data: z.string().min(1),
});
const FileSourceSchema = z.strictObject({ type: z.literal('file'), file_id: FileIdSchema });

export async function readMessageContent(
  files: FileStore,
  blocks: ReadonlyArray<{ type: string }>,
  at: string,
): Promise<ReadBlock[]> {
  const read: ReadBlock[] = [];
  for (const [index, block] of blocks.entries()) read.push(await readBlock(files, block, `${at}.${index}`));
  return read;
}

async function readBlock(files: FileStore, block: { type: string }, at: string): Promise<ReadBlock> {
  if (block.type === 'text') return parse(TextBlockSchema, block, at);
  if (block.type === 'document') return readDocument(files, block, at);
  if (block.type !== 'image') throw invalidRequest(`${at}: content blocks are text, image or document`);
  const { source } = parse(ImageBlockSchema, block, at);
  switch (source.type) {
    case 'base64':
      return base64Image(parse(Base64SourceSchema, source, `${at}.source`), `${at}.source`);
    case 'file':
      return fileImage(files, parse(FileSourceSchema, source, `${at}.source`).file_id, `${at}.source.file_id`);
    case 'url':
      throw invalidRequest(
        `${at}.source: url image sources are not supported: Lucid fetches nothing it is not asked to; ` +
          'send the image as base64, or upload it (files.upload) and send {type: "file", file_id}',
      );
    default:
      throw invalidRequest(`${at}.source.type: an image source is base64 or file`);
  }
}

function base64Image(source: z.infer<typeof Base64SourceSchema>, at: string): ReadBlock {
  const mediaType = imageMediaType(source.media_type, `${at}.media_type`);
  const bytes = decodeBase64(source.data, MAX_IMAGE_BYTES, `${at}.data`, () => tooLarge(`${at}.data`));
  checkSignature(bytes, mediaType, `${at}.data`);
  return { type: 'image', upload: { media_type: mediaType, bytes } };
}

async function fileImage(files: FileStore, fileId: string, at: string): Promise<ReadBlock> {
  const file = await usableFile(files, fileId, at);
  const mediaType = imageMediaType(file.mime_type, `${at} (file ${fileId})`);
  if (file.size_bytes > MAX_IMAGE_BYTES) throw tooLarge(`${at} (file ${fileId})`);
  const head = await fileBytes(files, fileId, 12);
  if (!head) throw invalidRequest(`${at}: file ${fileId} has no content any more`);
  checkSignature(head, mediaType, `${at} (file ${fileId})`);
  return { type: 'image', source: { type: 'file', file_id: fileId } };
}

function imageMediaType(mediaType: string, at: string): ImageMediaType {
  const known = IMAGE_MEDIA_TYPES.find((type) => type === mediaType);
  if (!known)
    throw invalidRequest(`${at}: ${mediaType} is not an image type the model takes (${IMAGE_MEDIA_TYPES.join(', ')})`);
  return known;
}

/** The model's API refuses an image whose bytes are not of its declared type; refused here, before it is sent. */
const SIGNATURES: Record<ImageMediaType, (bytes: Buffer) => boolean> = {
  'image/png': (bytes) => bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (bytes) => bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])),
  'image/gif': (bytes) => bytes.subarray(0, 4).toString('latin1') === 'GIF8',
  'image/webp': (bytes) =>
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP',
};

function checkSignature(bytes: Buffer, mediaType: ImageMediaType, at: string): void {
  if (!SIGNATURES[mediaType](bytes)) throw invalidRequest(`${at}: the bytes are not a ${mediaType} image`);
}

/** What a stored upload's filename ends with, after its file id. */
const EXTENSIONS: Record<string, string> = { 'application/pdf': 'pdf', 'text/plain': 'txt' };

/**
 * The blocks with each image or document sent with its content stored as a file (one the Files API lists) and
 * named by its id.
 */
export async function storeUploads(files: FileStore, blocks: readonly ReadBlock[]): Promise<UserContentBlock[]> {
  const stored: UserContentBlock[] = [];
  for (const block of blocks) {
    if (!('upload' in block)) {
      stored.push(block);
      continue;
    }
    const { upload, ...described } = block;
    const { media_type, bytes } = upload;
    const staged = await files.stage(Readable.from([bytes]), bytes.length);
    const id = newFileId();
    await files.commit(staged, {
      id,
      filename: `${id}.${EXTENSIONS[media_type] ?? media_type.slice('image/'.length)}`,
      mime_type: media_type,
      size_bytes: staged.size_bytes,
      sha256: staged.sha256,
      created_at: new Date().toISOString(),
      expires_at: null,
    });
    stored.push({ ...described, source: { type: 'file', file_id: id } } as UserContentBlock);
  }
  return stored;
}

function tooLarge(at: string) {
  return invalidRequest(`${at}: the image is larger than ${MAX_IMAGE_BYTES} bytes, the most the model takes`);
}
