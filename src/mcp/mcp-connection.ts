import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpServer } from '../domain/mcp-servers';
import type { McpWorkerConfig } from './mcp-config';

/** How long connecting (and the MCP handshake) may take. */
export const MCP_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Runs `work` on a fresh connection to the server and closes it whatever happens. One connection per use: a server
 * that restarted between calls is simply connected to again, and nothing is shared between sessions.
 */
export async function withMcpClient<T>(
  server: McpServer,
  config: McpWorkerConfig,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ name: 'lucid', version: '1' });
  await client.connect(transportFor(server, config), { timeout: MCP_CONNECT_TIMEOUT_MS });
  try {
    return await work(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

function transportFor(server: McpServer, config: McpWorkerConfig) {
  if (server.type === 'url') {
    const headers = config.headersFor(server.url);
    return new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers } });
  }
  if (!config.allowsCommand(server.command)) {
    throw new Error(`the worker does not allow the stdio command "${server.command}" (LUCID_MCP_STDIO_COMMANDS)`);
  }
  return new StdioClientTransport({ command: server.command, args: server.args ?? [], stderr: 'ignore' });
}

/** An error's message without anything a header could have put in it: the message alone, cut short. */
export function mcpErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 500);
}
