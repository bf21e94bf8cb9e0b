import { LUCID_TOOL_NAMES } from './agent-toolset';
import { UserToolNameSchema, type UserToolDefinition } from './user-tools';

/**
 * The MCP tools a session offers the model, from its servers' tool lists (fetched once when the session starts,
 * src/activities/mcp.ts). Pure and deterministic, free of I/O: workflow code calls it. See docs/tools.md.
 */

/** A server's tool as listed, bounded by the listing activity. */
export interface ListedMcpTool {
  name: string;
  description: string;
  input_schema: { type: 'object' } & Record<string, unknown>;
}

/** A tool the model is offered: `tool_name` is the name it is offered under, `name` the server's. */
export interface OfferedMcpTool extends ListedMcpTool {
  server: string;
  tool_name: string;
}

/**
 * Offered names: a tool keeps its server's name when that is a valid tool name (1-128 letters, digits, `_`, `-`)
 * taken by no Lucid tool, none of the agent's own tools and no tool offered before it (servers in `mcp_servers`
 * order, tools in listed order). Otherwise it is offered as `<server>__<name>`, other characters as `_`, cut to
 * 128; a tool whose namespaced name is taken too is not offered.
 */
export function offerMcpTools(
  listed: ReadonlyArray<{ server: string; tools: ListedMcpTool[] }>,
  takenByAgent: readonly string[],
): OfferedMcpTool[] {
  // Lucid's own tools, whether or not this agent has them, and the agent's own.
  const taken = new Set([...LUCID_TOOL_NAMES, ...takenByAgent]);
  const offered: OfferedMcpTool[] = [];
  for (const { server, tools } of listed) {
    for (const tool of tools) {
      const toolName = [tool.name, namespaced(server, tool.name)].find(
        (candidate) => UserToolNameSchema.safeParse(candidate).success && !taken.has(candidate),
      );
      if (toolName === undefined) continue;
      taken.add(toolName);
      offered.push({ ...tool, server, tool_name: toolName });
    }
  }
  return offered;
}

function namespaced(server: string, name: string): string {
  return `${server}__${name}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);
}

/** The definitions the model request carries for the offered tools. */
export function mcpToolDefinitions(tools: readonly OfferedMcpTool[]): UserToolDefinition[] {
  return tools.map((tool) => ({
    name: tool.tool_name,
    description: tool.description,
    input_schema: tool.input_schema,
  }));
}
