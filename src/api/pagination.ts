/**
 * `page` / `limit` → `{data, next_page}` paging, as the SDK's PageCursor reads it (it stops when `next_page` is
 * null). The cursor is the sort key of the last item sent, so a page boundary stays put when items are added or
 * archived meanwhile: the next page starts after that key, whether or not its item is still there.
 */
import { invalidRequest } from './api-error';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 100;

const CURSOR_PREFIX = 'page_';

export interface PageRequest {
  /** A `next_page` from an earlier answer; absent for the first page. */
  page?: string;
  limit: number;
}

export interface Page<T> {
  data: T[];
  next_page: string | null;
}

/**
 * One page of `items`, which must be sorted by `key` in `order` with no two keys alike. A `page` that is not a
 * cursor this server made is an invalid_request_error.
 */
export function paginate<T>(
  items: readonly T[],
  key: (item: T) => string,
  request: PageRequest,
  order: 'asc' | 'desc' = 'asc',
): Page<T> {
  const after = request.page === undefined ? null : decodeCursor(request.page);
  const isPast = (item: T) => (order === 'asc' ? key(item) > after! : key(item) < after!);
  const start = after === null ? 0 : indexOrEnd(items.findIndex(isPast), items.length);
  const data = items.slice(start, start + request.limit);
  const more = start + data.length < items.length;
  return { data, next_page: more && data.length > 0 ? encodeCursor(key(data[data.length - 1])) : null };
}

function indexOrEnd(index: number, length: number): number {
  return index === -1 ? length : index;
}

export function encodeCursor(key: string): string {
  return CURSOR_PREFIX + Buffer.from(key, 'utf8').toString('base64url');
}

function decodeCursor(page: string): string {
  const body = page.startsWith(CURSOR_PREFIX) ? page.slice(CURSOR_PREFIX.length) : '';
  if (body === '' || !/^[A-Za-z0-9_-]+$/.test(body)) {
    throw invalidRequest(`page: not a page cursor from this server (use the next_page of an earlier answer)`);
  }
  return Buffer.from(body, 'base64url').toString('utf8');
}
