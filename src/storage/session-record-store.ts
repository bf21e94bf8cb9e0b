/**
 * What the API knows of a session beyond its workflow: the agent version it pinned at creation, its environment,
 * title, metadata, resources, budget and archive time (src/api/sessions/). The live state (status, usage,
 * outcomes) is the workflow's; a session started without the API (CLI, LucidClient) has no record.
 */
import type { ApiAgentVersion } from '../domain/api-agent';

/** The API's `budget {type: "limit", max_list_cost: {amount, currency}}`: stored, not enforced yet. */
export interface SessionBudget {
  type: 'limit';
  max_list_cost: { amount: string; currency: string };
}

export interface SessionRecord {
  /** The `sesn_` id, which is also the session's workflow id. */
  id: string;
  /** The agent version the session runs, with the create request's overrides applied: fixed at creation. */
  agent: ApiAgentVersion;
  /** The versions of the agent's multiagent roster the session's lead delegates to: fixed at creation too. */
  roster?: ApiAgentVersion[];
  environment_id: string;
  title: string | null;
  metadata: Record<string, string>;
  /** The API's resource objects (file, memory_store) and github_repository entries as sent. */
  resources: Record<string, unknown>[];
  budget: SessionBudget | null;
  vault_ids: string[];
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

export interface SessionRecordStore {
  /** Writes the record whole (create or replace), atomically: a reader sees the old record or the new one. */
  put(record: SessionRecord): Promise<void>;
  /** The record, or null when the API has none with that id. */
  get(sessionId: string): Promise<SessionRecord | null>;
  /** Every record, in no particular order. */
  list(): Promise<SessionRecord[]>;
  /** Removes it; nothing happens when there is none. */
  delete(sessionId: string): Promise<void>;
}
