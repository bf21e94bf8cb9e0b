/**
 * A real MCP server for tests, built with the MCP SDK's server side (McpServer, Streamable HTTP, stateless) on
 * loopback. Tools: `lookup_ticket` (a small ticket store), `add`, `slow`, `broken_tool` (answers isError), `whoami` (says
 * whether the configured Authorization header arrived, never its value) and `garbage`, whose call is answered with
 * a body that is not a valid tool result. It can stop and start again on the same port.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export const TICKETS: Record<string, string> = { 'T-1': 'printer on fire', 'T-2': 'coffee machine empty' };

export interface TestMcpServer {
  url: string;
  port: number;
  /** Tool calls this server answered (name and arguments), across restarts. */
  calls: Array<{ name: string; arguments: unknown }>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startTestMcpServer(options: { expectedAuthorization?: string; port?: number } = {}) {
  const calls: TestMcpServer['calls'] = [];
  let http: Server | undefined;
  let port = options.port ?? 0;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = request.method === 'POST' ? await readJson(request) : undefined;
    const message = body as { id?: unknown; method?: string; params?: { name?: string; arguments?: unknown } };
    if (message?.method === 'tools/call')
      calls.push({ name: message.params?.name ?? '', arguments: message.params?.arguments });
    if (message?.method === 'tools/call' && message.params?.name === 'garbage') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: 'not a list', isError: 7 } }));
      return;
    }
    const authorized =
      options.expectedAuthorization !== undefined && request.headers.authorization === options.expectedAuthorization;
    const server = toolServer(authorized);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => void transport.close().then(() => server.close()));
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  };

  const mcp: TestMcpServer = {
    url: '',
    port: 0,
    calls,
    async start() {
      http = createServer((request, response) => {
        handle(request, response).catch(() => {
          if (!response.headersSent) response.writeHead(500);
          response.end();
        });
      });
      await new Promise<void>((resolve) => http!.listen(port, '127.0.0.1', resolve));
      port = (http.address() as AddressInfo).port;
      mcp.port = port;
      mcp.url = `http://127.0.0.1:${port}/mcp`;
    },
    async stop() {
      const server = http;
      http = undefined;
      if (!server) return;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  await mcp.start();
  return mcp;
}

function toolServer(authorized: boolean): McpServer {
  const server = new McpServer({ name: 'test-tickets', version: '1.0.0' });
  server.registerTool(
    'lookup_ticket',
    { description: 'Look up a ticket by id', inputSchema: { id: z.string() } },
    async ({ id }) => ({
      content: [{ type: 'text', text: TICKETS[id] ? `Ticket ${id}: ${TICKETS[id]}` : `no ticket ${id}` }],
    }),
  );
  server.registerTool(
    'add',
    { description: 'Add two numbers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: `sum=${a + b}` }] }),
  );
  server.registerTool('broken_tool', { description: 'Always fails' }, async () => ({
    content: [{ type: 'text', text: 'the ticket database is down' }],
    isError: true,
  }));
  server.registerTool('whoami', { description: 'Whether the caller is authorized' }, async () => ({
    content: [{ type: 'text', text: authorized ? 'authorized: yes' : 'authorized: no' }],
  }));
  server.registerTool(
    'slow',
    { description: 'Answers after a while', inputSchema: { ms: z.number() } },
    async ({ ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { content: [{ type: 'text', text: `waited ${ms} ms` }] };
    },
  );
  server.registerTool('garbage', { description: 'Answers garbage' }, async () => ({ content: [] }));
  return server;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}
