/**
 * Images and documents in a session's transcript name a file in the file store (src/domain/events.ts, ImageBlock
 * and DocumentBlock); the model is sent their content, read here as each request is built, so neither events nor
 * workflow history carry it. An image goes as a base64 image source, a PDF as a base64 PDF source and a plain text
 * document as a text source, the three the Messages API takes.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { FileStore, StoredFile } from '../storage/file-store';

type MessageParam = Anthropic.MessageParam;
type ImageMediaType = Anthropic.Base64ImageSource['media_type'];
type FileSourced = (Anthropic.ImageBlockParam | Anthropic.DocumentBlockParam) & { source: { type: 'file' } };

/** The messages with every file-sourced block given its file's content; a file that is gone becomes a note. */
export async function withFileBytes(messages: readonly MessageParam[], files: FileStore): Promise<MessageParam[]> {
  return Promise.all(
    messages.map(async (message) =>
      typeof message.content === 'string'
        ? message
        : ({
            ...message,
            content: await Promise.all(message.content.map((block) => resolved(block, files))),
          } as MessageParam),
    ),
  );
}

async function resolved(block: Anthropic.ContentBlockParam, files: FileStore): Promise<Anthropic.ContentBlockParam> {
  if ((block.type !== 'image' && block.type !== 'document') || block.source.type !== 'file') return block;
  const fileSourced = block as FileSourced;
  const fileId = fileSourced.source.file_id;
  const [file, content] = await Promise.all([files.get(fileId), files.openContent(fileId)]);
  // Deleted or expired after it was sent: the session goes on, and the model is told rather than shown nothing.
  if (!file || !content) {
    content?.destroy();
    return {
      type: 'text',
      text: `[${block.type} ${fileId} was sent here, but its file is no longer available (deleted or expired)]`,
    };
  }
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(Buffer.from(chunk as Uint8Array));
  return withSource(fileSourced, file, Buffer.concat(chunks));
}

function withSource(block: FileSourced, file: StoredFile, bytes: Buffer): Anthropic.ContentBlockParam {
  // The transcript's own estimate of a document (and a null cache_control) is not for the model.
  const { cache_control, estimated_tokens: _estimate, ...rest } = block as FileSourced & { estimated_tokens?: number };
  const marked = { ...rest, ...(cache_control ? { cache_control } : {}) };
  if (marked.type === 'image') {
    return {
      ...marked,
      source: { type: 'base64', media_type: file.mime_type as ImageMediaType, data: bytes.toString('base64') },
    };
  }
  // The API server let only PDFs and UTF-8 plain text in as documents (src/api/sessions/message-documents.ts).
  if (file.mime_type.split(';')[0].trim() === 'text/plain') {
    return { ...marked, source: { type: 'text', media_type: 'text/plain', data: bytes.toString('utf8') } };
  }
  return { ...marked, source: { type: 'base64', media_type: 'application/pdf', data: bytes.toString('base64') } };
}
