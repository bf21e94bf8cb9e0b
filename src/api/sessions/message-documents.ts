/**
 * The document blocks of a `user.message` sent over the API, as the SDK types them (BetaManagedAgentsDocumentBlock):
 * a source that is a base64 PDF, plain text (`{type: "text", media_type: "text/plain", data}`) or an uploaded file
 * (a PDF or plain text), with an optional `title` and `context`. Each is checked here, and its content's token
 * estimate worked out from its bytes, as the batch is read; nothing is stored until the whole batch is good
 * (message-content.ts, storeUploads).
 *
 * Both a PDF and a plain text document are then kept as a file, and the session is sent only its file id: plain
 * text could travel inline, but a text document may be megabytes long, and workflow history must stay small;
 * one rule for every document keeps the transcript, the event log and the model activity to one shape.
 * A document by `url` is refused, as an image by url is: the worker fetches nothing it was not asked to.
 */
import { z } from 'zod';
import type { DocumentBlock } from '../../domain/events';
import { MAX_DOCUMENT_CONTEXT_LENGTH, MAX_DOCUMENT_TITLE_LENGTH } from '../../domain/session-input';
import { documentContentTokens } from '../../domain/token-estimate';
import type { FileStore } from '../../storage/file-store';
import { invalidRequest } from '../api-error';
import { FileIdSchema } from '../files/file-params';
import { decodeBase64, fileBytes, mediaTypeEssence, parse, usableFile } from './content-source';

/** The document types the Messages API takes as a document's content. */
export const DOCUMENT_MEDIA_TYPES = ['application/pdf', 'text/plain'] as const;
export type DocumentMediaType = (typeof DOCUMENT_MEDIA_TYPES)[number];

/**
 * Lucid's limit for one document: 20 MiB. The Messages API documents no limit per document, only 32 MB for a
 * whole request; a document goes in it as base64 (a third larger), so this leaves room for the rest of it.
 */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

/** A document's content as read, held until the batch is known to be good. */
export interface DocumentUpload {
  media_type: DocumentMediaType;
  bytes: Buffer;
}

/** A document block as read: an uploaded file's, by its id; one sent as base64 or text, with its content held. */
export type ReadDocument = DocumentBlock | (Omit<DocumentBlock, 'source'> & { upload: DocumentUpload });

/** What a document's content amounts to once checked: its bytes and the estimate of what they count. */
export interface CheckedContent {
  upload: DocumentUpload;
  estimated_tokens: number;
}

const DocumentBlockSchema = z.strictObject({
  type: z.literal('document'),
  source: z.looseObject({ type: z.string() }),
  title: z.string().max(MAX_DOCUMENT_TITLE_LENGTH).nullish(),
  context: z.string().max(MAX_DOCUMENT_CONTEXT_LENGTH).nullish(),
});
const Base64SourceSchema = z.strictObject({
  type: z.literal('base64'),
  media_type: z.string(),
  data: z.string().min(1),
});
const TextSourceSchema = z.strictObject({
  type: z.literal('text'),
  media_type: z.literal('text/plain'),
  data: z.string().min(1),
});
const FileSourceSchema = z.strictObject({ type: z.literal('file'), file_id: FileIdSchema });
export type Base64DocumentSource = z.infer<typeof Base64SourceSchema>;
export type TextDocumentSource = z.infer<typeof TextSourceSchema>;

export async function readDocument(files: FileStore, block: unknown, at: string): Promise<ReadDocument> {
  const { source, title, context } = parse(DocumentBlockSchema, block, at);
  const described = {
    type: 'document' as const,
    ...(title == null ? {} : { title }),
    ...(context == null ? {} : { context }),
  };
  const sourceAt = `${at}.source`;
  switch (source.type) {
    case 'base64':
      return { ...described, ...base64Pdf(parse(Base64SourceSchema, source, sourceAt), sourceAt) };
    case 'text':
      return { ...described, ...plainText(parse(TextSourceSchema, source, sourceAt), sourceAt) };
    case 'file': {
      const fileId = parse(FileSourceSchema, source, sourceAt).file_id;
      return { ...described, ...(await fileDocument(files, fileId, `${sourceAt}.file_id`)) };
    }
    case 'url':
      throw invalidRequest(
        `${sourceAt}: url document sources are not supported: Lucid fetches nothing it is not asked to; ` +
          'send the document as base64 or text, or upload it (files.upload) and send {type: "file", file_id}',
      );
    default:
      throw invalidRequest(`${sourceAt}.type: a document source is base64, text or file`);
  }
}

/** A base64 source's PDF, checked: the only base64 document the Messages API takes is a PDF. */
export function base64Pdf(source: Base64DocumentSource, at: string): CheckedContent {
  if (source.media_type !== 'application/pdf') {
    throw invalidRequest(
      `${at}.media_type: ${source.media_type} is not a base64 document type the model takes (application/pdf); ` +
        'send plain text as {type: "text", media_type: "text/plain", data}',
    );
  }
  const bytes = decodeBase64(source.data, MAX_DOCUMENT_BYTES, `${at}.data`, () => tooLarge(`${at}.data`));
  return checkedContent('application/pdf', bytes, `${at}.data`);
}

/** A text source's text, checked. */
export function plainText(source: TextDocumentSource, at: string): CheckedContent {
  return checkedContent('text/plain', Buffer.from(source.data, 'utf8'), `${at}.data`);
}

/** An uploaded file as a document: a PDF or plain text, within the limit, its bytes what its type says. */
async function fileDocument(
  files: FileStore,
  fileId: string,
  at: string,
): Promise<Pick<DocumentBlock, 'source' | 'estimated_tokens'>> {
  const file = await usableFile(files, fileId, at);
  const where = `${at} (file ${fileId})`;
  const mediaType = DOCUMENT_MEDIA_TYPES.find((type) => type === mediaTypeEssence(file.mime_type));
  if (!mediaType) {
    throw invalidRequest(
      `${where}: ${file.mime_type} is not a document type the model takes (${DOCUMENT_MEDIA_TYPES.join(', ')})`,
    );
  }
  if (file.size_bytes > MAX_DOCUMENT_BYTES) throw tooLarge(where);
  const bytes = await fileBytes(files, fileId);
  if (!bytes) throw invalidRequest(`${at}: file ${fileId} has no content any more`);
  const { estimated_tokens } = checkedContent(mediaType, bytes, where);
  return { source: { type: 'file', file_id: fileId }, estimated_tokens };
}

/**
 * Content of a document type, checked: within the limit, not empty, a PDF by its `%PDF-` signature (the model's
 * API refuses one that is not), plain text as UTF-8; with its token estimate.
 */
export function checkedContent(mediaType: DocumentMediaType, bytes: Buffer, at: string): CheckedContent {
  if (bytes.length > MAX_DOCUMENT_BYTES) throw tooLarge(at);
  if (bytes.length === 0) throw invalidRequest(`${at}: the document is empty`);
  if (mediaType === 'application/pdf' && bytes.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw invalidRequest(`${at}: the bytes are not a PDF (they do not start with %PDF-)`);
  }
  const content = mediaType === 'application/pdf' ? bytes.toString('latin1') : utf8Text(bytes, at);
  return { upload: { media_type: mediaType, bytes }, estimated_tokens: documentContentTokens(mediaType, content) };
}

function utf8Text(bytes: Buffer, at: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw invalidRequest(`${at}: a text/plain document must be UTF-8 text`);
  }
}

function tooLarge(at: string) {
  return invalidRequest(`${at}: the document is larger than ${MAX_DOCUMENT_BYTES} bytes, the most Lucid takes`);
}
