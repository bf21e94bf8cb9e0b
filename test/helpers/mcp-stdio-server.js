// A real MCP server over stdio, built with the MCP SDK's server side, for tests of Lucid's `stdio` servers.
// Its one tool, `echo_env`, says whether the worker's LUCID_TEST_SECRET reached this process (it must not).
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
const { z } = require('zod');

const server = new McpServer({ name: 'test-stdio', version: '1.0.0' });
server.registerTool(
  'shout',
  { description: 'Upper-cases a word', inputSchema: { word: z.string() } },
  async ({ word }) => ({
    content: [{ type: 'text', text: `${word.toUpperCase()} (args: ${process.argv.slice(2).join(' ')})` }],
  }),
);
server.registerTool('echo_env', { description: 'Whether a worker secret leaked in' }, async () => ({
  content: [{ type: 'text', text: process.env.LUCID_TEST_SECRET ? 'secret: present' : 'secret: absent' }],
}));
server.connect(new StdioServerTransport());
