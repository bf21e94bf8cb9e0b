import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * What the worker's own configuration says about MCP servers; never anything from an agent definition, an event,
 * the model or history:
 *
 * - LUCID_MCP_HEADERS_FILE: a JSON file `{"<url prefix>": {"<header>": "<value>"}}`. A URL server gets the headers
 *   of every prefix its URL starts with (e.g. `"https://mcp.example.com/"`; a prefix includes the `/` after the
 *   host), so a token reaches only the endpoints
 *   it was configured for, whatever name an agent gives the server. Read at each connection, so a rotated token
 *   is used without a restart. The values are never logged, never returned, never in an event.
 * - LUCID_MCP_STDIO_COMMANDS: a comma-separated list of the exact commands a `stdio` server may name (e.g.
 *   `/opt/mcp/tickets-server`). Nothing else is started. The child gets the MCP SDK's minimal environment (HOME,
 *   PATH, USER, ...), not the worker's, so the worker's keys do not leak into it. Its arguments are the
 *   definition's: allow a command only if any arguments are safe for it (not an interpreter such as `node`).
 */
export interface McpWorkerConfig {
  headersFor(url: string): Record<string, string>;
  allowsCommand(command: string): boolean;
}

/** A prefix names a host and ends its host part with `/`, so `https://a.example` cannot match `https://a.example.evil`. */
const UrlPrefixSchema = z.string().regex(/^https?:\/\/[^/]+\//);
const HeadersFileSchema = z.record(UrlPrefixSchema, z.record(z.string().min(1), z.string()));

export function mcpWorkerConfig(env: NodeJS.ProcessEnv = process.env): McpWorkerConfig {
  const commands = new Set(
    (env.LUCID_MCP_STDIO_COMMANDS ?? '')
      .split(',')
      .map((command) => command.trim())
      .filter(Boolean),
  );
  const headersFile = env.LUCID_MCP_HEADERS_FILE;
  return {
    allowsCommand: (command) => commands.has(command),
    headersFor: (url) => (headersFile ? headersFromFile(headersFile, url) : {}),
  };
}

function headersFromFile(path: string, url: string): Record<string, string> {
  let parsed: z.infer<typeof HeadersFileSchema>;
  try {
    parsed = HeadersFileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    // Neither the contents nor zod's message (which could quote a value) goes anywhere.
    throw new Error('LUCID_MCP_HEADERS_FILE is not a JSON object of URL prefixes to header objects');
  }
  const headers: Record<string, string> = {};
  for (const [prefix, values] of Object.entries(parsed)) if (url.startsWith(prefix)) Object.assign(headers, values);
  return headers;
}
