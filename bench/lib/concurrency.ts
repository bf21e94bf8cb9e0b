/** Running benchmark work several at a time. */

/**
 * Runs `task` on every item with at most `limit` running at once, and returns the results in the items' order.
 * The first failure is thrown once the tasks already running have settled, so nothing is left behind.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const runner = async () => {
    while (next < items.length && failure === null) {
      const index = next++;
      try {
        results[index] = await task(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, runner));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}
