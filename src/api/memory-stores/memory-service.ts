/**
 * What the memory routes do, over Lucid's memory store (src/memory): the store does the checking and the atomic,
 * versioned writes, so a refused request changes nothing; this layer picks the API's semantics (create-only
 * create, `view` defaults, paging, filters) and answers with the API's objects.
 */
import type { MemoryActor, MemoryStoreRepository, MemoryVersion } from '../../memory/memory-store';
import { MemoryNotFoundError } from '../../memory/errors';
import { paginate, type Page } from '../pagination';
import { asApiCall } from './memory-api-errors';
import { memoryListing, type ListingItem } from './memory-listing';
import {
  deletedMemoryObject,
  deletedMemoryStoreObject,
  memoryObject,
  memoryPrefixObject,
  memoryStoreObject,
  memoryVersionObject,
} from './memory-objects';
import {
  pageLimit,
  type MemoryCreateParams,
  type MemoryListQuery,
  type MemoryUpdateParams,
  type StoreCreateParams,
  type StoreListQuery,
  type StoreUpdateParams,
  type VersionListQuery,
  type View,
} from './memory-params';
import type {
  BetaManagedAgentsDeletedMemory,
  BetaManagedAgentsMemory,
  BetaManagedAgentsMemoryListItem,
} from '@anthropic-ai/sdk/resources/beta/memory-stores/memories';
import type {
  BetaManagedAgentsDeletedMemoryStore,
  BetaManagedAgentsMemoryStore,
} from '@anthropic-ai/sdk/resources/beta/memory-stores/memory-stores';
import type { BetaManagedAgentsMemoryVersion } from '@anthropic-ai/sdk/resources/beta/memory-stores/memory-versions';

export class MemoryService {
  constructor(private readonly repository: MemoryStoreRepository) {}

  // Stores

  createStore(params: StoreCreateParams): Promise<BetaManagedAgentsMemoryStore> {
    return asApiCall(async () => memoryStoreObject(await this.repository.createStore(params)));
  }

  retrieveStore(storeId: string): Promise<BetaManagedAgentsMemoryStore> {
    return asApiCall(async () => memoryStoreObject(await this.repository.getStore(storeId)));
  }

  updateStore(storeId: string, params: StoreUpdateParams): Promise<BetaManagedAgentsMemoryStore> {
    const input = {
      name: params.name ?? undefined,
      description: params.description ?? undefined,
      metadata: params.metadata,
    };
    return asApiCall(async () => memoryStoreObject(await this.repository.updateStore(storeId, input)));
  }

  archiveStore(storeId: string): Promise<BetaManagedAgentsMemoryStore> {
    return asApiCall(async () => memoryStoreObject(await this.repository.archiveStore(storeId)));
  }

  deleteStore(storeId: string): Promise<BetaManagedAgentsDeletedMemoryStore> {
    return asApiCall(async () => {
      await this.repository.deleteStore(storeId);
      return deletedMemoryStoreObject(storeId);
    });
  }

  /** Newest first, by creation time (ties by id). */
  listStores(query: StoreListQuery): Promise<Page<BetaManagedAgentsMemoryStore>> {
    return asApiCall(async () => {
      const stores = (await this.repository.listStores({ include_archived: query.include_archived }))
        .filter((store) => inRange(store.created_at, query))
        .sort((a, b) => storeKey(b).localeCompare(storeKey(a)));
      const page = paginate(stores, storeKey, query, 'desc');
      return { ...page, data: page.data.map(memoryStoreObject) };
    });
  }

  // Memories

  /** Create-only, as the API's: a memory already at the path is a 409 memory_path_conflict_error. */
  createMemory(
    storeId: string,
    params: MemoryCreateParams,
    view: View,
    actor: MemoryActor,
  ): Promise<BetaManagedAgentsMemory> {
    return asApiCall(async () => {
      const memory = await this.repository.writeMemory(storeId, { ...params, if_absent: true }, actor);
      return memoryObject(memory, view);
    });
  }

  retrieveMemory(storeId: string, memoryId: string, view: View): Promise<BetaManagedAgentsMemory> {
    return asApiCall(async () => memoryObject(await this.repository.getMemory(storeId, memoryId), view));
  }

  updateMemory(
    storeId: string,
    memoryId: string,
    params: MemoryUpdateParams,
    view: View,
    actor: MemoryActor,
  ): Promise<BetaManagedAgentsMemory> {
    const input = {
      content: params.content ?? undefined,
      path: params.path ?? undefined,
      expected_content_sha256: params.precondition?.content_sha256,
    };
    return asApiCall(async () =>
      memoryObject(await this.repository.updateMemory(storeId, memoryId, input, actor), view),
    );
  }

  deleteMemory(
    storeId: string,
    memoryId: string,
    expectedSha256: string | undefined,
    actor: MemoryActor,
  ): Promise<BetaManagedAgentsDeletedMemory> {
    return asApiCall(async () => {
      await this.repository.deleteMemory(storeId, memoryId, { expected_content_sha256: expectedSha256 }, actor);
      return deletedMemoryObject(memoryId);
    });
  }

  /** Sorted by path; with `depth`, deeper memories rolled up into `memory_prefix` items that count as items. */
  listMemories(storeId: string, query: MemoryListQuery): Promise<Page<BetaManagedAgentsMemoryListItem>> {
    const view = query.view ?? 'basic';
    return asApiCall(async () => {
      const prefix = query.path_prefix ?? '/';
      const memories = await this.repository.listMemories(storeId, { path_prefix: prefix });
      const items = memoryListing(memories, prefix, query.depth);
      const page = paginate(items, (item) => item.path, { page: query.page, limit: pageLimit(query.limit, view) });
      const data = await Promise.all(page.data.map((item) => this.listItem(storeId, item, view)));
      return { ...page, data: data.filter((item) => item !== null) };
    });
  }

  /** Content is read only for the page sent; a memory deleted since the listing is left out. */
  private async listItem(storeId: string, item: ListingItem, view: View) {
    if (item.kind === 'prefix') return memoryPrefixObject(item.path);
    if (view === 'basic') return memoryObject(item.memory, 'basic');
    try {
      return memoryObject(await this.repository.getMemory(storeId, item.memory.id), 'full');
    } catch (error) {
      if (error instanceof MemoryNotFoundError) return null;
      throw error;
    }
  }

  // Versions

  /** Newest first, filtered as the API's list is. */
  listVersions(storeId: string, query: VersionListQuery): Promise<Page<BetaManagedAgentsMemoryVersion>> {
    const view = query.view ?? 'basic';
    return asApiCall(async () => {
      const newestFirst = await this.repository.listVersions(storeId, { memory_id: query.memory_id });
      // The cursor key is the version's place in the store's history, which no later write changes.
      const keyed = newestFirst.map((version, index) => ({ version, key: historyKey(newestFirst.length - index) }));
      const wanted = keyed.filter(({ version }) => matches(version, query));
      const page = paginate(
        wanted,
        (entry) => entry.key,
        { page: query.page, limit: pageLimit(query.limit, view) },
        'desc',
      );
      return { ...page, data: page.data.map(({ version }) => memoryVersionObject(version, view)) };
    });
  }

  retrieveVersion(storeId: string, versionId: string, view: View): Promise<BetaManagedAgentsMemoryVersion> {
    return asApiCall(async () => memoryVersionObject(await this.repository.getVersion(storeId, versionId), view));
  }

  redactVersion(storeId: string, versionId: string, actor: MemoryActor): Promise<BetaManagedAgentsMemoryVersion> {
    return asApiCall(async () =>
      memoryVersionObject(await this.repository.redactVersion(storeId, versionId, actor), 'full'),
    );
  }
}

function matches(version: MemoryVersion, query: VersionListQuery): boolean {
  const by = version.created_by;
  return (
    (query.operation === undefined || version.operation === query.operation) &&
    (query.session_id === undefined || (by.type === 'session_actor' && by.session_id === query.session_id)) &&
    (query.api_key_id === undefined || (by.type === 'api_actor' && by.api_key_id === query.api_key_id)) &&
    // Lucid records no service accounts, so this filter matches nothing.
    query.service_account_id === undefined &&
    inRange(version.created_at, query)
  );
}

function inRange(createdAt: string, range: { 'created_at[gte]'?: string; 'created_at[lte]'?: string }): boolean {
  const at = Date.parse(createdAt);
  const gte = range['created_at[gte]'];
  const lte = range['created_at[lte]'];
  return (gte === undefined || at >= Date.parse(gte)) && (lte === undefined || at <= Date.parse(lte));
}

const storeKey = (store: { created_at: string; id: string }) => `${store.created_at} ${store.id}`;
const historyKey = (position: number) => String(position).padStart(10, '0');
