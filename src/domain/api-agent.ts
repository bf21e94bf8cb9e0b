/**
 * An agent as the Managed Agents API keeps it: an `agent_` id and a version that goes up by one on every change,
 * each version an immutable snapshot. Lucid runs it as an AgentDefinition (agent-definition.ts); the fields here
 * are the ones Lucid can honour, so nothing the API accepts is stored and then ignored (src/api/agents/agent-params.ts
 * refuses the rest).
 */
import { AgentDefinitionSchema, type AgentDefinition } from './agent-definition';
import type { AgentTools } from './agent-toolset';
import type { McpServer } from './mcp-servers';
import { describeIssues } from './session-input';

export interface ApiAgentVersion {
  id: string;
  version: number;
  name: string;
  description: string | null;
  system: string | null;
  /** The model id; the API's `model` object without `effort`, `speed` or `inference_geo`. */
  model: string;
  /** The Managed Agents toolset as sent (at most one `agent_toolset_20260401` entry). */
  tools: AgentTools;
  /** MCP servers its `mcp_toolset` entries name; absent on versions saved before MCP servers were served. */
  mcp_servers?: McpServer[];
  metadata: Record<string, string>;
  /** Its `multiagent` coordinator, each roster entry pinned to a version; null for a single-threaded agent. */
  multiagent: ApiCoordinator | null;
  /** When the agent was first created; the same on every version. */
  created_at: string;
  /** When this version was made. */
  updated_at: string;
}

/** A roster entry as the API answers it: an agent pinned to a version. */
export interface ApiRosterReference {
  type: 'agent';
  id: string;
  version: number;
}

/** The API's `coordinator` topology: the lead may spawn threads of these agents (src/api/agents/agent-multiagent.ts). */
export interface ApiCoordinator {
  type: 'coordinator';
  agents: ApiRosterReference[];
}

/**
 * How Lucid runs an API agent: the definition a session of it gets; `issues` when Lucid cannot run it.
 * `roster` is the coordinator's agents, resolved: each becomes an inline sub-agent the lead delegates to by name.
 */
export function agentDefinitionOf(
  agent: ApiAgentVersion,
  roster: readonly ApiAgentVersion[] = [],
): { ok: true; definition: AgentDefinition } | { ok: false; issues: string } {
  const parsed = AgentDefinitionSchema.safeParse({
    ...definitionFields(agent),
    ...(roster.length ? { subagents: roster.map(definitionFields) } : {}),
  });
  return parsed.success ? { ok: true, definition: parsed.data } : { ok: false, issues: describeIssues(parsed.error) };
}

function definitionFields(agent: ApiAgentVersion) {
  return {
    name: agent.name,
    model: agent.model,
    system: agent.system ?? '',
    tools: agent.tools,
    ...(agent.mcp_servers?.length ? { mcp_servers: agent.mcp_servers } : {}),
    ...(agent.description === null ? {} : { description: agent.description }),
  };
}
