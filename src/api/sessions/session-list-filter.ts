/** The record-side filters of `sessions.list` (status is filtered once each session's snapshot is read). */
import type { SessionSnapshot } from '../../domain/events';
import type { SessionRecord } from '../../storage/session-record-store';
import type { SessionListQuery } from './session-params';

export function matchesListQuery(record: SessionRecord, query: SessionListQuery): boolean {
  return (
    (query.include_archived || record.archived_at === null) &&
    (query.agent_id === undefined || record.agent.id === query.agent_id) &&
    (query.agent_version === undefined || record.agent.version === query.agent_version) &&
    (query.memory_store_id === undefined || attachesStore(record, query.memory_store_id)) &&
    createdInRange(Date.parse(record.created_at), query)
  );
}

/**
 * A session started without the API has no agent id, version or resources: a filter on those excludes it. It
 * is never archived (archiving is the API's), so `include_archived` does not matter.
 */
export function matchesListQueryUnrecorded(snapshot: SessionSnapshot, query: SessionListQuery): boolean {
  return (
    query.agent_id === undefined &&
    query.agent_version === undefined &&
    query.memory_store_id === undefined &&
    createdInRange(Date.parse(snapshot.created_at), query)
  );
}

function attachesStore(record: SessionRecord, storeId: string): boolean {
  return record.resources.some((resource) => resource.type === 'memory_store' && resource.memory_store_id === storeId);
}

function createdInRange(at: number, query: SessionListQuery): boolean {
  const bound = (value: string | undefined) => (value === undefined ? undefined : Date.parse(value));
  const gt = bound(query['created_at[gt]']);
  const gte = bound(query['created_at[gte]']);
  const lt = bound(query['created_at[lt]']);
  const lte = bound(query['created_at[lte]']);
  return (
    (gt === undefined || at > gt) &&
    (gte === undefined || at >= gte) &&
    (lt === undefined || at < lt) &&
    (lte === undefined || at <= lte)
  );
}
