import { z } from 'zod';
// ./agent-toolset.ts imports this module for its entry registry: its schema is read lazily, once both are loaded.
import { PermissionPolicySchema, type PermissionPolicy } from './agent-toolset';

const Policy = z.lazy(() => PermissionPolicySchema);

/**
 * MCP servers an agent connects to (`mcp_servers`) and the `mcp_toolset` entries of its `tools` that offer their
 * tools, in the Managed Agents API's shapes and limits, plus Lucid's own `stdio` server, started on the worker.
 * Pure and deterministic, free of I/O: workflow code calls it. See docs/tools.md, "MCP servers".
 */

export const MCP_TOOLSET_TYPE = 'mcp_toolset';
/** The API's limit on `mcp_servers`. */
export const MAX_MCP_SERVERS = 20;

const ServerNameSchema = z.string().min(1).max(255);

/** The API's URL server. Its auth headers come from the worker's configuration only (src/mcp/mcp-headers.ts). */
export const UrlMcpServerSchema = z
  .object({
    type: z.literal('url'),
    name: ServerNameSchema,
    url: z
      .string()
      .max(2048)
      .refine((url) => /^https?:\/\//i.test(url) && URL.canParse(url), 'an http:// or https:// URL'),
  })
  .strict();

/**
 * Lucid's own: a server the worker starts as a child process and talks to over stdio. The worker runs only
 * commands its LUCID_MCP_STDIO_COMMANDS allows (src/mcp/stdio-commands.ts); a definition names one of them.
 */
export const StdioMcpServerSchema = z
  .object({
    type: z.literal('stdio'),
    name: ServerNameSchema,
    command: z.string().min(1).max(1024),
    args: z.array(z.string().max(4096)).max(64).optional(),
  })
  .strict();

export const McpServerSchema = z.discriminatedUnion('type', [UrlMcpServerSchema, StdioMcpServerSchema]);
export type McpServer = z.infer<typeof McpServerSchema>;

export const McpServersSchema = z
  .array(McpServerSchema)
  .max(MAX_MCP_SERVERS)
  .superRefine((servers, context) => {
    const seen = new Set<string>();
    servers.forEach((server, index) => {
      if (seen.has(server.name))
        context.addIssue({ code: 'custom', message: `duplicate server name "${server.name}"`, path: [index, 'name'] });
      seen.add(server.name);
    });
  });

const McpToolConfigSchema = z
  .object({
    name: z.string().min(1).max(128),
    enabled: z.boolean().nullish(),
    permission_policy: Policy.nullish(),
  })
  .strict();

/** `{type: "mcp_toolset", mcp_server_name, default_config?, configs?}`: which of a server's tools are offered. */
export const McpToolsetSchema = z
  .object({
    type: z.literal(MCP_TOOLSET_TYPE),
    mcp_server_name: ServerNameSchema,
    default_config: z
      .object({ enabled: z.boolean().nullish(), permission_policy: Policy.nullish() })
      .strict()
      .nullish(),
    configs: z.array(McpToolConfigSchema).max(256).optional(),
  })
  .strict()
  .superRefine((toolset, context) => {
    const seen = new Set<string>();
    toolset.configs?.forEach((config, index) => {
      if (seen.has(config.name))
        context.addIssue({
          code: 'custom',
          message: `duplicate config for "${config.name}"`,
          path: ['configs', index],
        });
      seen.add(config.name);
    });
  });
export type McpToolset = z.infer<typeof McpToolsetSchema>;

/** The API's default policy for an MCP tool. Stored; it runs as allowed until confirmations land. */
const ALWAYS_ASK: PermissionPolicy = { type: 'always_ask' };

/** The part of an agent definition the resolvers read. */
export interface WithMcp {
  tools: ReadonlyArray<string | { type: string }>;
  mcp_servers?: McpServer[];
}

/** The agent's MCP toolsets. */
export function mcpToolsets(agent: WithMcp): McpToolset[] {
  return agent.tools.filter(
    (entry): entry is McpToolset => typeof entry !== 'string' && entry.type === MCP_TOOLSET_TYPE,
  );
}

/**
 * The problems linking servers and toolsets, as the API checks them: every toolset names a server of
 * `mcp_servers`, every server is referenced by a toolset, at most one toolset per server. Empty when none.
 */
export function mcpReferenceProblems(agent: WithMcp): string[] {
  const servers = new Set((agent.mcp_servers ?? []).map((server) => server.name));
  const referenced = new Set<string>();
  const problems: string[] = [];
  for (const toolset of mcpToolsets(agent)) {
    const name = toolset.mcp_server_name;
    if (!servers.has(name)) problems.push(`mcp_toolset names "${name}", which is not in mcp_servers`);
    if (referenced.has(name)) problems.push(`more than one mcp_toolset for server "${name}"`);
    referenced.add(name);
  }
  for (const name of servers) {
    if (!referenced.has(name)) problems.push(`mcp_servers "${name}" is not referenced by an mcp_toolset in tools`);
  }
  return problems;
}

/** The servers the session connects to: those with a toolset (validation makes that all of them). */
export function connectedMcpServers(agent: WithMcp): McpServer[] {
  const referenced = new Set(mcpToolsets(agent).map((toolset) => toolset.mcp_server_name));
  return (agent.mcp_servers ?? []).filter((server) => referenced.has(server.name));
}

/** Whether a server's tool is offered: its config's `enabled`, else the toolset default's, else true (the API's). */
export function isMcpToolEnabled(agent: WithMcp, serverName: string, toolName: string): boolean {
  const toolset = mcpToolsets(agent).find((candidate) => candidate.mcp_server_name === serverName);
  if (!toolset) return false;
  const config = toolset.configs?.find((candidate) => candidate.name === toolName);
  return config?.enabled ?? toolset.default_config?.enabled ?? true;
}

/**
 * The permission policy of a server's tool: its config's, else the toolset default's, else `always_ask` (the API's
 * default for MCP toolsets): always_ask calls wait for a `user.tool_confirmation` (tool-confirmations.ts).
 */
export function mcpPermissionPolicyOf(agent: WithMcp, serverName: string, toolName: string): PermissionPolicy {
  const toolset = mcpToolsets(agent).find((candidate) => candidate.mcp_server_name === serverName);
  const config = toolset?.configs?.find((candidate) => candidate.name === toolName);
  return config?.permission_policy ?? toolset?.default_config?.permission_policy ?? ALWAYS_ASK;
}
