/**
 * Images in a session's transcript name a file in the file store (src/domain/events.ts, ImageBlock); the model
 * is sent their bytes, read here as each request is built, so neither events nor workflow history carry them.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { FileStore } from '../storage/file-store';

type MessageParam = Anthropic.MessageParam;
type ImageMediaType = Anthropic.Base64ImageSource['media_type'];

/** The messages with every file-sourced image replaced by its bytes, base64; a file that is gone becomes a note. */
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
  if (block.type !== 'image' || block.source.type !== 'file') return block;
  const fileId = block.source.file_id;
  const [file, content] = await Promise.all([files.get(fileId), files.openContent(fileId)]);
  // Deleted or expired after it was sent: the session goes on, and the model is told rather than shown nothing.
  if (!file || !content) {
    content?.destroy();
    return {
      type: 'text',
      text: `[image ${fileId} was sent here, but its file is no longer available (deleted or expired)]`,
    };
  }
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(Buffer.from(chunk as Uint8Array));
  const { cache_control, ...rest } = block;
  return {
    ...rest,
    ...(cache_control ? { cache_control } : {}),
    source: {
      type: 'base64',
      media_type: file.mime_type as ImageMediaType,
      data: Buffer.concat(chunks).toString('base64'),
    },
  };
}
