/**
 * `page` / `limit` → `{data, next_page, prev_page}` paging, as the SDK's BidirectionalPageCursor reads it (session
 * lists). A cursor holds a direction and the sort key of the item it starts from, so, as in pagination.ts, a
 * page boundary stays put when items are added or removed meanwhile.
 */
import { invalidRequest } from './api-error';
import type { PageRequest } from './pagination';

export interface BidirectionalPage<T> {
  data: T[];
  next_page: string | null;
  prev_page: string | null;
}

const CURSOR_PREFIX = 'page_';

interface Cursor {
  /** `after`: the items past `key`; `before`: the `limit` items just before it. */
  direction: 'after' | 'before';
  key: string;
}

/** One page of `items`, which must be sorted by `key` in `order` with no two keys alike. */
export function paginateBothWays<T>(
  items: readonly T[],
  key: (item: T) => string,
  request: PageRequest,
  order: 'asc' | 'desc',
): BidirectionalPage<T> {
  const cursor = request.page === undefined ? null : decodeCursor(request.page);
  const reached = (item: T, bound: string) => (order === 'asc' ? key(item) >= bound : key(item) <= bound);
  const firstReaching = (bound: string) =>
    indexOrEnd(
      items.findIndex((item) => reached(item, bound)),
      items.length,
    );
  let start = 0;
  let end = Math.min(items.length, request.limit);
  if (cursor?.direction === 'after') {
    start = indexOrEnd(
      items.findIndex((item) => reached(item, cursor.key) && key(item) !== cursor.key),
      items.length,
    );
    end = Math.min(items.length, start + request.limit);
  } else if (cursor?.direction === 'before') {
    end = firstReaching(cursor.key);
    start = Math.max(0, end - request.limit);
  }
  const data = items.slice(start, end);
  return {
    data,
    next_page:
      end < items.length && data.length > 0 ? encodeCursor({ direction: 'after', key: key(data.at(-1)!) }) : null,
    prev_page: start > 0 && data.length > 0 ? encodeCursor({ direction: 'before', key: key(data[0]) }) : null,
  };
}

function indexOrEnd(index: number, length: number): number {
  return index === -1 ? length : index;
}

function encodeCursor(cursor: Cursor): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify([cursor.direction, cursor.key]), 'utf8').toString('base64url');
}

function decodeCursor(page: string): Cursor {
  const refused = invalidRequest('page: not a page cursor from this server (use a next_page or prev_page it sent)');
  const body = page.startsWith(CURSOR_PREFIX) ? page.slice(CURSOR_PREFIX.length) : '';
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw refused;
  try {
    const [direction, key] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown[];
    if ((direction === 'after' || direction === 'before') && typeof key === 'string') return { direction, key };
  } catch {
    // not JSON: refused below
  }
  throw refused;
}
