/** next_page and prev_page cursors: forward to the end, back to the start, in either order, and bad cursors. */
import { paginateBothWays } from '../../src/api/bidirectional-pagination';

const letters = ['a', 'b', 'c', 'd', 'e'];
const same = (item: string) => item;

test('pages forward to the end and back to the start, ascending', () => {
  const first = paginateBothWays(letters, same, { limit: 2 }, 'asc');
  expect(first).toMatchObject({ data: ['a', 'b'], prev_page: null });
  const second = paginateBothWays(letters, same, { limit: 2, page: first.next_page! }, 'asc');
  expect(second.data).toEqual(['c', 'd']);
  const third = paginateBothWays(letters, same, { limit: 2, page: second.next_page! }, 'asc');
  expect(third).toMatchObject({ data: ['e'], next_page: null });
  const back = paginateBothWays(letters, same, { limit: 2, page: third.prev_page! }, 'asc');
  expect(back.data).toEqual(['c', 'd']);
  const start = paginateBothWays(letters, same, { limit: 2, page: back.prev_page! }, 'asc');
  expect(start).toMatchObject({ data: ['a', 'b'], prev_page: null });
});

test('a boundary stays put when its item is gone, newest first', () => {
  const descending = [...letters].reverse();
  const first = paginateBothWays(descending, same, { limit: 2 }, 'desc');
  expect(first.data).toEqual(['e', 'd']);
  const withoutD = descending.filter((item) => item !== 'd');
  const next = paginateBothWays(withoutD, same, { limit: 2, page: first.next_page! }, 'desc');
  expect(next.data).toEqual(['c', 'b']);
  const back = paginateBothWays(withoutD, same, { limit: 2, page: next.prev_page! }, 'desc');
  expect(back).toMatchObject({ data: ['e'], prev_page: null });
});

test('a page this server did not make is refused', () => {
  for (const page of ['nope', 'page_', 'page_!!', `page_${Buffer.from('[1,2]').toString('base64url')}`]) {
    expect(() => paginateBothWays(letters, same, { limit: 2, page }, 'asc')).toThrow(/not a page cursor/);
  }
});
