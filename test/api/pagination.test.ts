import { ApiError } from '../../src/api/api-error';
import { encodeCursor, paginate } from '../../src/api/pagination';

const items = ['a', 'b', 'c', 'd', 'e'];
const key = (item: string) => item;

/** Every item, following next_page as the SDK does. */
function walk(list: string[], limit: number, order: 'asc' | 'desc'): string[][] {
  const pages: string[][] = [];
  let page: string | undefined;
  for (;;) {
    const answer = paginate(list, key, { page, limit }, order);
    pages.push(answer.data);
    if (answer.next_page === null) return pages;
    page = answer.next_page;
  }
}

test('pages cover every item once, in order, and the last page has no next_page', () => {
  expect(walk(items, 2, 'asc')).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  expect(walk([...items].reverse(), 2, 'desc')).toEqual([['e', 'd'], ['c', 'b'], ['a']]);
  expect(walk(items, 5, 'asc')).toEqual([items]);
  expect(walk([], 3, 'asc')).toEqual([[]]);
});

test('a page boundary holds when the item it was cut at is gone or others are added before it', () => {
  const first = paginate(items, key, { limit: 2 });
  expect(first.next_page).toBe(encodeCursor('b'));
  const changed = ['0', 'a', 'c', 'd', 'e']; // 'b' removed, '0' added
  expect(paginate(changed, key, { page: first.next_page!, limit: 2 }).data).toEqual(['c', 'd']);
});

test('a page that is not a cursor of ours is an invalid_request_error', () => {
  for (const page of ['garbage', 'page_', 'page_!!']) {
    expect(() => paginate(items, key, { page, limit: 2 })).toThrow(ApiError);
  }
  try {
    paginate(items, key, { page: 'garbage', limit: 2 });
  } catch (error) {
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' });
  }
});
