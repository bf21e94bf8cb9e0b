import { Context } from '@temporalio/activity';
import type { McpServer, McpToolset } from '../domain/mcp-servers';
import { isMcpToolEnabled } from '../domain/mcp-servers';
import type { ListedMcpTool } from '../domain/mcp-tools';
import { redactText } from '../domain/redact';
import { mcpWorkerConfig, type McpWorkerConfig } from '../mcp/mcp-config';
import { mcpErrorMessage, withMcpClient } from '../mcp/mcp-connection';
import { renderMcpResult } from '../mcp/mcp-result';

/** Bounds on what a server's tool list puts in the session's state and in every model request. */
export const MCP_LIST_LIMITS = {
  /** Tools kept per server, in listed order. */
  toolsPerServer: 64,
  /** Pages of `tools/list` read per server. */
  pages: 8,
  /** A longer description is cut. */
  descriptionChars: 1_024,
  /** A tool whose input schema is longer, as JSON, is not offered. */
  schemaChars: 8_192,
  /** All servers' kept tools together, as JSON; past it a server's further tools are left out. */
  totalChars: 48_000,
  /** How long listing one server's tools may take, after connecting. */
  timeoutMs: 10_000,
} as const;

/** How long one `tools/call` may take. */
export const MCP_CALL_TIMEOUT_MS = 120_000;

export interface ListMcpToolsInput {
  sessionId: string;
  /** Each server with its toolset, which says which of its tools are enabled. */
  servers: Array<{ server: McpServer; toolset: McpToolset }>;
}

export type McpServerListing =
  { server: string; ok: true; tools: ListedMcpTool[] } | { server: string; ok: false; message: string };

export interface CallMcpToolInput {
  sessionId: string;
  toolUseId: string;
  server: McpServer;
  name: string;
  input: Record<string, unknown>;
}

/**
 * MCP servers' tools: listed once when a session starts, each call one activity on a fresh connection
 * (src/mcp/mcp-connection.ts). What a server says never crashes anything: a server that cannot be listed is a
 * failed listing, a bad call result is a tool error. Header values (worker configuration) are redacted from every
 * message and result that leaves here.
 */
export function createMcpActivities({ config = mcpWorkerConfig() }: { config?: McpWorkerConfig } = {}) {
  async function listMcpTools(input: ListMcpToolsInput): Promise<{ servers: McpServerListing[] }> {
    const listings = await Promise.all(input.servers.map(({ server, toolset }) => listServer(server, toolset)));
    return { servers: withinTotal(listings) };
  }

  async function listServer(server: McpServer, toolset: McpToolset): Promise<McpServerListing> {
    try {
      const listed = await withMcpClient(server, config, async (client) => {
        const tools: ListedMcpTool[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < MCP_LIST_LIMITS.pages && tools.length < MCP_LIST_LIMITS.toolsPerServer; page++) {
          const result = await client.listTools(cursor ? { cursor } : {}, { timeout: MCP_LIST_LIMITS.timeoutMs });
          tools.push(...result.tools.flatMap((tool) => boundedTool(tool)));
          cursor = result.nextCursor;
          if (!cursor) break;
        }
        return tools;
      });
      const agent = { tools: [toolset], mcp_servers: [server] };
      const enabled = listed.filter((tool) => isMcpToolEnabled(agent, server.name, tool.name));
      return { server: server.name, ok: true, tools: enabled.slice(0, MCP_LIST_LIMITS.toolsPerServer) };
    } catch (error) {
      return {
        server: server.name,
        ok: false,
        message: redacted(server, `cannot list tools: ${mcpErrorMessage(error)}`),
      };
    }
  }

  async function callMcpTool(input: CallMcpToolInput): Promise<{ content: string; is_error: boolean }> {
    const { server } = input;
    const signal = Context.current().cancellationSignal;
    try {
      const raw = await withMcpClient(server, config, (client) =>
        client.callTool({ name: input.name, arguments: input.input }, undefined, {
          timeout: MCP_CALL_TIMEOUT_MS,
          signal,
        }),
      );
      const outcome = renderMcpResult(raw);
      return { ...outcome, content: redacted(server, outcome.content) };
    } catch (error) {
      if (signal.aborted) throw error;
      const message = `MCP server "${server.name}" failed the call of ${input.name}: ${mcpErrorMessage(error)}`;
      return { is_error: true, content: redacted(server, message) };
    }
  }

  function redacted(server: McpServer, text: string): string {
    if (server.type !== 'url') return redactText(text);
    try {
      return redactText(text, Object.values(config.headersFor(server.url)));
    } catch {
      return redactText(text);
    }
  }

  return { listMcpTools, callMcpTool };
}

/** A listed tool within the bounds, or nothing when its schema is too big or not an object schema. */
function boundedTool(tool: { name: string; description?: string; inputSchema: unknown }): ListedMcpTool[] {
  const schema = tool.inputSchema as ListedMcpTool['input_schema'];
  if (schema?.type !== 'object' || JSON.stringify(schema).length > MCP_LIST_LIMITS.schemaChars) return [];
  const description = (tool.description ?? '').slice(0, MCP_LIST_LIMITS.descriptionChars);
  return [{ name: tool.name, description, input_schema: schema }];
}

/** Keeps servers' tools in order until the total bound; the rest of the tools are left out. */
function withinTotal(listings: McpServerListing[]): McpServerListing[] {
  let used = 0;
  return listings.map((listing) => {
    if (!listing.ok) return listing;
    const kept = listing.tools.filter((tool) => {
      used += JSON.stringify(tool).length;
      return used <= MCP_LIST_LIMITS.totalChars;
    });
    return { ...listing, tools: kept };
  });
}
