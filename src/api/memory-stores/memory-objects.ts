/**
 * The objects the memory routes answer with, in the SDK's shapes, built from the memory store's records. Those
 * records already use the API's field names; what differs is said here: `view=basic` leaves content null, a
 * `deleted` version carries no hash or size on the wire (Lucid keeps them on disk, for its own diffs), and a
 * version not redacted says so with nulls.
 */
import type {
  BetaManagedAgentsDeletedMemory,
  BetaManagedAgentsMemory,
  BetaManagedAgentsMemoryPrefix,
} from '@anthropic-ai/sdk/resources/beta/memory-stores/memories';
import type {
  BetaManagedAgentsDeletedMemoryStore,
  BetaManagedAgentsMemoryStore,
} from '@anthropic-ai/sdk/resources/beta/memory-stores/memory-stores';
import type { BetaManagedAgentsMemoryVersion } from '@anthropic-ai/sdk/resources/beta/memory-stores/memory-versions';
import type { Memory, MemoryStore, MemoryVersion } from '../../memory/memory-store';
import type { View } from './memory-params';

type WireActor = BetaManagedAgentsMemoryVersion['created_by'];

export function memoryStoreObject(store: MemoryStore): BetaManagedAgentsMemoryStore {
  return {
    type: 'memory_store',
    id: store.id,
    name: store.name,
    description: store.description,
    metadata: store.metadata,
    created_at: store.created_at,
    updated_at: store.updated_at,
    archived_at: store.archived_at,
  };
}

export function memoryObject(memory: Memory, view: View): BetaManagedAgentsMemory {
  return {
    type: 'memory',
    id: memory.id,
    memory_store_id: memory.memory_store_id,
    path: memory.path,
    content: view === 'full' ? memory.content : null,
    content_sha256: memory.content_sha256,
    content_size_bytes: memory.content_size_bytes,
    memory_version_id: memory.memory_version_id,
    created_at: memory.created_at,
    updated_at: memory.updated_at,
  };
}

export function memoryPrefixObject(path: string): BetaManagedAgentsMemoryPrefix {
  return { type: 'memory_prefix', path };
}

/**
 * Lucid's `dream_actor` (a dream's change, reviewable one by one) is passed through as it is: an actor type the
 * API does not have, documented in docs/api.md.
 */
export function memoryVersionObject(version: MemoryVersion, view: View): BetaManagedAgentsMemoryVersion {
  const deleted = version.operation === 'deleted';
  return {
    type: 'memory_version',
    id: version.id,
    memory_id: version.memory_id,
    memory_store_id: version.memory_store_id,
    operation: version.operation,
    path: version.path,
    content: view === 'full' ? version.content : null,
    content_sha256: deleted ? null : version.content_sha256,
    content_size_bytes: deleted ? null : version.content_size_bytes,
    created_at: version.created_at,
    created_by: version.created_by as WireActor,
    redacted_at: version.redacted_at ?? null,
    // The SDK's type has no null here, though its documentation says null for a version not redacted.
    redacted_by: (version.redacted_at !== undefined ? version.redacted_by : null) as WireActor,
  };
}

export function deletedMemoryStoreObject(id: string): BetaManagedAgentsDeletedMemoryStore {
  return { id, type: 'memory_store_deleted' };
}

export function deletedMemoryObject(id: string): BetaManagedAgentsDeletedMemory {
  return { id, type: 'memory_deleted' };
}
