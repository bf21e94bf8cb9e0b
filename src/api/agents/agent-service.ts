/**
 * What the agent routes do, over the agents store: the API's create / update / archive rules, with every check
 * made before anything is written, so a refused request leaves the store as it was.
 */
import { agentDefinitionOf, type ApiAgentVersion } from '../../domain/api-agent';
import type { AgentTools } from '../../domain/agent-toolset';
import type { McpServer } from '../../domain/mcp-servers';
import { newAgentId } from '../../domain/ids';
import { AgentVersionConflictError, type AgentStore, type StoredAgent } from '../../storage/agent-store';
import { conflict, invalidRequest, notFound } from '../api-error';
import { paginate, type Page, type PageRequest } from '../pagination';
import { resolveMultiagent } from './agent-multiagent';
import { agentObject } from './agent-object';
import { unsupportedIn, type AgentCreateParams, type AgentUpdateParams, type ModelParam } from './agent-params';
import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents';
import { patchMetadata } from '../metadata';

/** How often an update without a precondition re-applies itself after losing a race. */
const MAX_UPDATE_ATTEMPTS = 5;

export interface AgentListFilter extends PageRequest {
  include_archived: boolean;
  'created_at[gte]'?: string;
  'created_at[lte]'?: string;
}

export class AgentService {
  private last = 0;

  constructor(
    private readonly store: AgentStore,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * The time of a change: never the same millisecond twice in one server, so agents created in a burst still
   * list in the order they were made (the list is sorted by `created_at`).
   */
  private now(): Date {
    this.last = Math.max(this.clock(), this.last + 1);
    return new Date(this.last);
  }

  async create(params: AgentCreateParams): Promise<BetaManagedAgentsAgent> {
    refuseUnsupported(params);
    const id = newAgentId();
    const multiagent = await resolveMultiagent(this.store, params.multiagent ?? null, id);
    const at = this.now().toISOString();
    const agent: ApiAgentVersion = {
      id,
      version: 1,
      name: params.name,
      description: emptyAsNull(params.description),
      system: emptyAsNull(params.system),
      model: modelId(params.model),
      tools: (params.tools ?? []) as AgentTools,
      ...mcpServersParam(params.mcp_servers),
      metadata: params.metadata ?? {},
      multiagent,
      created_at: at,
      updated_at: at,
    };
    refuseUnrunnable(agent);
    await this.store.putVersion(agent);
    return agentObject(agent, null);
  }

  async retrieve(agentId: string, version?: number): Promise<BetaManagedAgentsAgent> {
    const stored = await this.existing(agentId);
    if (version === undefined) return agentObject(stored.latest, stored.archived_at);
    const snapshot = await this.store.getVersion(agentId, version);
    if (!snapshot)
      throw notFound(`agent ${agentId} has no version ${version} (its newest is ${stored.latest.version})`);
    return agentObject(snapshot, stored.archived_at);
  }

  async update(agentId: string, params: AgentUpdateParams): Promise<BetaManagedAgentsAgent> {
    refuseUnsupported(params);
    // Without a `version` the caller asked for no precondition, so losing a race to another update is not its
    // conflict: apply the change again on the newer version. With one, the caller's view is stale: a 409.
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.tryUpdate(agentId, params);
      if (outcome !== 'lost_race') return outcome;
      if (params.version !== undefined || attempt === MAX_UPDATE_ATTEMPTS) {
        throw conflict(`agent ${agentId} was updated meanwhile; retrieve it and retry`);
      }
    }
  }

  private async tryUpdate(agentId: string, params: AgentUpdateParams): Promise<BetaManagedAgentsAgent | 'lost_race'> {
    const stored = await this.existing(agentId);
    if (stored.archived_at) throw invalidRequest(`agent ${agentId} is archived and cannot be updated`);
    const current = stored.latest;
    if (params.version !== undefined && params.version !== current.version) {
      throw conflict(`agent ${agentId} is at version ${current.version}, not ${params.version}; retrieve it and retry`);
    }
    const multiagent =
      params.multiagent === undefined
        ? (current.multiagent ?? null)
        : await resolveMultiagent(this.store, params.multiagent, agentId);
    const next = { ...applyUpdate(current, params, this.now().toISOString()), multiagent };
    if (sameContent(current, next)) return agentObject(current, null); // nothing changed: no new version
    refuseUnrunnable(next);
    try {
      await this.store.putVersion(next);
    } catch (error) {
      if (error instanceof AgentVersionConflictError) return 'lost_race';
      throw error;
    }
    return agentObject(next, null);
  }

  async archive(agentId: string): Promise<BetaManagedAgentsAgent> {
    await this.existing(agentId);
    const archived = await this.store.archive(agentId, this.now().toISOString());
    if (!archived) throw notFound(`no agent ${agentId}`);
    return agentObject(archived.latest, archived.archived_at);
  }

  /** Newest first, by creation time (ties by id). */
  async list(filter: AgentListFilter): Promise<Page<BetaManagedAgentsAgent>> {
    const agents = (await this.store.list())
      .filter((agent) => filter.include_archived || agent.archived_at === null)
      .filter((agent) => inRange(agent.latest.created_at, filter))
      .sort((a, b) => listKey(b).localeCompare(listKey(a)));
    const page = paginate(agents, listKey, filter, 'desc');
    return { ...page, data: page.data.map((agent) => agentObject(agent.latest, agent.archived_at)) };
  }

  /** Every version as a full agent, newest first. */
  async versions(agentId: string, request: PageRequest): Promise<Page<BetaManagedAgentsAgent>> {
    const stored = await this.existing(agentId);
    const versions = await this.store.listVersions(agentId);
    const page = paginate(versions, versionKey, request, 'desc');
    return { ...page, data: page.data.map((version) => agentObject(version, stored.archived_at)) };
  }

  private async existing(agentId: string): Promise<StoredAgent> {
    const stored = await this.store.get(agentId);
    if (!stored) throw notFound(`no agent ${agentId}`);
    return stored;
  }
}

/** The API's update rules: an omitted field is kept, lists are replaced whole, metadata is patched. */
function applyUpdate(current: ApiAgentVersion, params: AgentUpdateParams, at: string): ApiAgentVersion {
  return {
    ...current,
    version: current.version + 1,
    name: params.name ?? current.name,
    model: params.model === undefined ? current.model : modelId(params.model),
    description: params.description === undefined ? current.description : emptyAsNull(params.description),
    system: params.system === undefined ? current.system : emptyAsNull(params.system),
    tools: params.tools === undefined ? current.tools : ((params.tools ?? []) as AgentTools),
    ...(params.mcp_servers === undefined ? {} : { mcp_servers: undefined, ...mcpServersParam(params.mcp_servers) }),
    metadata: patchMetadata(current.metadata, params.metadata),
    updated_at: at,
  };
}

function sameContent(a: ApiAgentVersion, b: ApiAgentVersion): boolean {
  const content = ({ version: _v, updated_at: _u, multiagent, ...rest }: ApiAgentVersion) =>
    JSON.stringify({ ...rest, multiagent: multiagent ?? null });
  return content(a) === content(b);
}

function refuseUnsupported(params: Omit<Partial<AgentCreateParams>, 'metadata'>): void {
  const unsupported = unsupportedIn(params);
  if (unsupported) throw invalidRequest(unsupported);
}

/** An agent Lucid could not run as an AgentDefinition is refused now, not when a session starts. */
function refuseUnrunnable(agent: ApiAgentVersion): void {
  const definition = agentDefinitionOf(agent);
  if (!definition.ok) throw invalidRequest(definition.issues);
}

function modelId(model: ModelParam): string {
  return typeof model === 'string' ? model : model.id;
}

/** The API clears `system` and `description` with "" as with null. */
function emptyAsNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

function inRange(createdAt: string, filter: AgentListFilter): boolean {
  const at = Date.parse(createdAt);
  const gte = filter['created_at[gte]'];
  const lte = filter['created_at[lte]'];
  return (gte === undefined || at >= Date.parse(gte)) && (lte === undefined || at <= Date.parse(lte));
}

const listKey = (agent: StoredAgent) => `${agent.latest.created_at} ${agent.latest.id}`;
const versionKey = (agent: ApiAgentVersion) => String(agent.version).padStart(10, '0');

/** `mcp_servers` as stored: absent when empty, so agents without servers are stored as before. */
function mcpServersParam(servers: AgentCreateParams['mcp_servers']): Pick<ApiAgentVersion, 'mcp_servers'> {
  return servers?.length ? { mcp_servers: servers as McpServer[] } : {};
}
