/**
 * API agents and their versions (src/domain/api-agent.ts). A version, once stored, never changes: an update
 * stores the next version, and two updates racing for the same number cannot both win (the loser gets
 * {@link AgentVersionConflictError}), which is what the API's `version` precondition needs.
 */
import type { ApiAgentVersion } from '../domain/api-agent';
import { LucidError } from '../errors';

export interface StoredAgent {
  /** The newest version. */
  latest: ApiAgentVersion;
  /** When it was archived, or null. */
  archived_at: string | null;
}

export interface AgentStore {
  /**
   * Stores `agent` as a new version: version 1 of a new id, or the version after the newest. Fails with
   * {@link AgentVersionConflictError} when that version exists already. Durable before it returns.
   */
  putVersion(agent: ApiAgentVersion): Promise<void>;
  /** The agent, or null when there is none with that id. */
  get(agentId: string): Promise<StoredAgent | null>;
  /** One version of it, or null. */
  getVersion(agentId: string, version: number): Promise<ApiAgentVersion | null>;
  /** All its versions, newest first (none for an unknown id). */
  listVersions(agentId: string): Promise<ApiAgentVersion[]>;
  /** Every agent, in no particular order. */
  list(): Promise<StoredAgent[]>;
  /** Marks it archived (once: archiving again keeps the first time) and returns it; null for an unknown id. */
  archive(agentId: string, at: string): Promise<StoredAgent | null>;
}

/** Another writer stored this version first. */
export class AgentVersionConflictError extends LucidError {
  readonly code = 'agent_version_conflict';
  /** A lost race: the same change may succeed against the newer version. */
  readonly fault = 'system';

  constructor(
    readonly agentId: string,
    readonly version: number,
  ) {
    super(`agent ${agentId} already has a version ${version}`);
  }
}
