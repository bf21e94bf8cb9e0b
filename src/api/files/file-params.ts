/**
 * What `client.beta.files` sends, checked at the route's edge: the upload's form fields, its file part's name and
 * media type, the list query and file ids. Unknown fields are refused.
 */
import { z } from 'zod';
import { invalidRequest } from '../api-error';
import { MAX_PAGE_LIMIT } from '../pagination';

/** The API's largest file: 500 MB. */
export const DEFAULT_FILE_SIZE_LIMIT = 500 * 1024 * 1024;

const MIN_EXPIRY_SECONDS = 3600;
const MAX_EXPIRY_SECONDS = 7_776_000;

/** Form fields arrive as text. */
export const UploadFieldsSchema = z.strictObject({
  expires_in_seconds: z
    .string()
    .regex(/^\d+$/, 'a whole number of seconds')
    .transform(Number)
    .pipe(z.number().min(MIN_EXPIRY_SECONDS).max(MAX_EXPIRY_SECONDS))
    .optional(),
});
export type UploadFields = z.infer<typeof UploadFieldsSchema>;

/** `ids[]` arrives once per id: a string for one, a list for more. */
const idList = z.union([z.string(), z.array(z.string())]).transform((ids) => (Array.isArray(ids) ? ids : [ids]));

export const FileListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).optional(),
  page: z.string().min(1).optional(),
  'ids[]': idList.pipe(z.array(z.string().min(1)).max(MAX_PAGE_LIMIT)).optional(),
  scope_id: z.string().min(1).optional(),
});
export type FileListQuery = z.infer<typeof FileListQuerySchema>;

/** `file_` and the id body Lucid makes (src/domain/ids.ts). */
export const FileIdSchema = z.string().regex(/^file_[1-9A-HJ-NP-Za-km-z]{1,64}$/, 'not a file id (file_...)');

export const FilePathSchema = z.strictObject({ file_id: FileIdSchema });

const MAX_FILENAME_BYTES = 255;

/** The extension an unnamed upload gets for its media type, as the API names it `unnamed.<ext>`. */
const EXTENSIONS: Record<string, string> = {
  'text/plain': '.txt',
  'text/markdown': '.md',
  'text/csv': '.csv',
  'application/json': '.json',
  'application/pdf': '.pdf',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'image/webp': '.webp',
};

/**
 * The name a file is kept under: the last path component of what the part says (as the API keeps it), `unnamed`
 * plus an extension when that is empty. Control characters, `.` and `..`, and names past 255 bytes are refused.
 */
export function storedFilename(sent: string | undefined, mimeType: string): string {
  const name = (sent ?? '').split(/[/\\]/).pop() ?? '';
  if (name === '') return `unnamed${EXTENSIONS[essence(mimeType)] ?? ''}`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalidRequest('file: the filename has a control character');
  if (name === '.' || name === '..') throw invalidRequest(`file: "${name}" is not a filename`);
  if (Buffer.byteLength(name) > MAX_FILENAME_BYTES) {
    throw invalidRequest(`file: the filename is longer than ${MAX_FILENAME_BYTES} bytes`);
  }
  return name;
}

const TOKEN = "[a-z0-9!#$&^_.+'*`|~-]+";
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[^"\\\\\\u0000-\\u001f]*"))*$`);

/** The part's media type, lower-cased (its parameters kept); one that is not `type/subtype` is refused. */
export function storedMimeType(sent: string | undefined): string {
  const mimeType = (sent ?? '').trim().toLowerCase();
  if (mimeType === '') return 'application/octet-stream';
  if (mimeType.length > 255 || !MEDIA_TYPE.test(mimeType)) {
    throw invalidRequest(`file: "${sent}" is not a media type (type/subtype)`);
  }
  return mimeType;
}

function essence(mimeType: string): string {
  return mimeType.split(';')[0].trim();
}
