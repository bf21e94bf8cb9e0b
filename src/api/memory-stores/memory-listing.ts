/**
 * List Memories with `depth`: memories at most `depth` segments below the prefix are listed as they are; deeper
 * ones are rolled up into one `memory_prefix` item per folder at that depth (`/projects/foo/`), which the caller
 * can pass back as `path_prefix` to drill in. Depth 0 lists everything. Items are sorted by path, each path once,
 * so a path is also the page cursor's key.
 */
import type { Memory } from '../../memory/memory-store';

export type ListingItem = { kind: 'memory'; path: string; memory: Memory } | { kind: 'prefix'; path: string };

export function memoryListing(memories: readonly Memory[], prefix: string, depth: number): ListingItem[] {
  const items = new Map<string, ListingItem>();
  for (const memory of memories) {
    const segments = memory.path.slice(prefix.length).split('/');
    if (depth === 0 || segments.length <= depth) {
      items.set(memory.path, { kind: 'memory', path: memory.path, memory });
    } else {
      const folder = `${prefix}${segments.slice(0, depth).join('/')}/`;
      items.set(folder, { kind: 'prefix', path: folder });
    }
  }
  return [...items.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
