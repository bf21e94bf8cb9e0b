/**
 * The `agent` object the API answers with (the SDK's BetaManagedAgentsAgent), built from a stored version. The
 * fields Lucid does not serve yet carry their empty values, which is what it accepted (agent-params.ts).
 */
import type { BetaManagedAgentsAgent } from '@anthropic-ai/sdk/resources/beta/agents/agents';
import type { ApiAgentVersion } from '../../domain/api-agent';
import {
  TOOLSET_TOOL_NAMES,
  TOOLSET_TYPE,
  UNSUPPORTED_TOOLSET_TOOLS,
  type AgentToolObject,
  type AgentToolset,
} from '../../domain/agent-toolset';
import { MCP_TOOLSET_TYPE, type McpToolset } from '../../domain/mcp-servers';

type ResponseTools = BetaManagedAgentsAgent['tools'];

export function agentObject(agent: ApiAgentVersion, archivedAt: string | null): BetaManagedAgentsAgent {
  return {
    type: 'agent',
    id: agent.id,
    version: agent.version,
    name: agent.name,
    description: agent.description,
    system: agent.system,
    model: { id: agent.model },
    tools: responseTools(agent),
    // Lucid's stdio servers are shown as stored: they are Lucid's own type.
    mcp_servers: (agent.mcp_servers ?? []) as BetaManagedAgentsAgent['mcp_servers'],
    skills: [],
    multiagent: agent.multiagent ?? null,
    execution_identity: { type: 'service_account' },
    metadata: agent.metadata,
    created_at: agent.created_at,
    updated_at: agent.updated_at,
    archived_at: archivedAt,
  };
}

/**
 * Toolsets as the API answers them: the defaults filled in and one resolved config per tool. Lucid's own kinds
 * (temporal_activity, custom) are echoed as given.
 */
function responseTools(agent: ApiAgentVersion): ResponseTools {
  return agent.tools.filter((entry) => typeof entry !== 'string').map(resolvedEntry) as ResponseTools;
}

/** The toolsets resolved as the API answers them; other kinds (temporal_activity, custom) as given. */
function resolvedEntry(entry: AgentToolObject) {
  if (entry.type === MCP_TOOLSET_TYPE) return resolvedMcpToolset(entry);
  return entry.type === TOOLSET_TYPE ? resolvedToolset(entry) : entry;
}

/** An MCP toolset as the API answers it: its default filled in (always_ask, the API's), its configs resolved. */
function resolvedMcpToolset(toolset: McpToolset) {
  const defaults = {
    enabled: toolset.default_config?.enabled ?? true,
    permission_policy: toolset.default_config?.permission_policy ?? { type: 'always_ask' as const },
  };
  const configs = (toolset.configs ?? []).map((config) => ({
    name: config.name,
    enabled: config.enabled ?? defaults.enabled,
    permission_policy: config.permission_policy ?? defaults.permission_policy,
  }));
  return { type: toolset.type, mcp_server_name: toolset.mcp_server_name, default_config: defaults, configs };
}

function resolvedToolset(toolset: AgentToolset) {
  const defaults = {
    enabled: toolset.default_config?.enabled ?? true,
    permission_policy: toolset.default_config?.permission_policy ?? { type: 'always_allow' as const },
  };
  const configs = [...TOOLSET_TOOL_NAMES, ...UNSUPPORTED_TOOLSET_TOOLS].map((name) => {
    const own = toolset.configs?.find((config) => config.name === name);
    const unsupported = (UNSUPPORTED_TOOLSET_TOOLS as readonly string[]).includes(name);
    return {
      name,
      type: name,
      // web_search never runs on Lucid, so it is reported as off whatever the default says.
      enabled: unsupported ? false : (own?.enabled ?? defaults.enabled),
      permission_policy: own?.permission_policy ?? defaults.permission_policy,
    };
  });
  return { type: toolset.type, default_config: defaults, configs };
}
