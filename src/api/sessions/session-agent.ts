/**
 * The agent a new session runs: an API agent's newest version, or the version asked for, with the create
 * request's overrides applied. The session pins it: later updates of the agent do not reach a session started.
 */
import { agentDefinitionOf, type ApiAgentVersion } from '../../domain/api-agent';
import type { AgentDefinition } from '../../domain/agent-definition';
import type { AgentTools } from '../../domain/agent-toolset';
import type { McpServer } from '../../domain/mcp-servers';
import type { AgentStore } from '../../storage/agent-store';
import { rosterVersions } from '../agents/agent-multiagent';
import { unsupportedIn } from '../agents/agent-params';
import { invalidRequest, notFound } from '../api-error';
import type { AgentWithOverrides, SessionAgentParam } from './session-params';

export async function pinnedAgent(agents: AgentStore, param: SessionAgentParam): Promise<ApiAgentVersion> {
  const reference = typeof param === 'string' ? { id: param } : param;
  const stored = await agents.get(reference.id);
  if (!stored) throw notFound(`no agent ${reference.id}`);
  if (stored.archived_at) throw invalidRequest(`agent ${reference.id} is archived: a session cannot start with it`);
  const version = 'version' in reference ? reference.version : undefined;
  const pinned = version === undefined ? stored.latest : await agents.getVersion(reference.id, version);
  if (!pinned) {
    throw notFound(`agent ${reference.id} has no version ${version} (its newest is ${stored.latest.version})`);
  }
  return typeof param !== 'string' && param.type === 'agent_with_overrides' ? withOverrides(pinned, param) : pinned;
}

/**
 * The definition Lucid runs the agent as, with its coordinator's roster (pinned versions, read now) as the lead's
 * inline sub-agents; an agent it cannot run is a 400 before anything starts.
 */
export async function runnableDefinition(
  agents: AgentStore,
  agent: ApiAgentVersion,
): Promise<{ definition: AgentDefinition; roster: ApiAgentVersion[] }> {
  const roster = agent.multiagent ? await rosterVersions(agents, agent.multiagent) : [];
  const definition = agentDefinitionOf(agent, roster);
  if (!definition.ok) throw invalidRequest(`agent: ${definition.issues}`);
  return { definition: definition.definition, roster };
}

/** Each given field replaces the agent's own, for this session only. */
function withOverrides(agent: ApiAgentVersion, overrides: AgentWithOverrides): ApiAgentVersion {
  const { model, system, tools, mcp_servers, skills } = overrides;
  const unsupported = unsupportedIn({ model, tools, mcp_servers, skills });
  if (unsupported) throw invalidRequest(`agent.${unsupported}`);
  return {
    ...agent,
    model: model === undefined ? agent.model : typeof model === 'string' ? model : model.id,
    system: system === undefined ? agent.system : system || null,
    tools: tools === undefined ? agent.tools : (tools as AgentTools),
    ...(mcp_servers === undefined ? {} : { mcp_servers: (mcp_servers ?? []) as McpServer[] }),
  };
}
