/**
 * An outcome rubric given as `{type: "file", file_id}` is read once, when the outcome is accepted, and graded as
 * its text, which is what the API does too ("file rubrics are resolved to their text content"): the session side
 * calls this as it takes in a `user.define_outcome` and passes the text on as a text rubric, so a later delete of
 * the file changes nothing. A file that is missing, expired, not UTF-8 text, empty or longer than a text rubric
 * may be is refused with an invalid_request_error naming `field`.
 */
import { MAX_RUBRIC_CHARS } from '../../domain/outcome';
import type { FileStore } from '../../storage/file-store';
import { invalidRequest } from '../api-error';

/** A UTF-8 character is at most 4 bytes: a file larger than this cannot be a rubric, so it is not read whole. */
const MAX_RUBRIC_BYTES = MAX_RUBRIC_CHARS * 4;

export async function fileRubricText(
  files: FileStore,
  fileId: string,
  field = 'rubric.file_id',
  now: number = Date.now(),
): Promise<string> {
  const file = await files.get(fileId);
  if (!file) throw invalidRequest(`${field}: no file ${fileId}`);
  if (file.expires_at !== null && Date.parse(file.expires_at) <= now) {
    throw invalidRequest(`${field}: file ${fileId} expired at ${file.expires_at}`);
  }
  if (file.size_bytes > MAX_RUBRIC_BYTES) throw tooLong(field, fileId);
  const content = await files.openContent(fileId);
  if (!content) throw invalidRequest(`${field}: file ${fileId} has no content any more`);
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(chunk as Buffer);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw invalidRequest(`${field}: file ${fileId} (${file.mime_type}) is not UTF-8 text; a rubric file must be`);
  }
  if (text.length > MAX_RUBRIC_CHARS) throw tooLong(field, fileId);
  if (text.trim() === '') throw invalidRequest(`${field}: file ${fileId} is empty`);
  return text;
}

function tooLong(field: string, fileId: string) {
  return invalidRequest(`${field}: file ${fileId} is longer than a rubric may be (${MAX_RUBRIC_CHARS} characters)`);
}
