/** The MCP activities' pure parts and listing, against a real MCP server (the MCP SDK's server side on loopback). */
import { createMcpActivities } from '../../src/activities/mcp';
import { mcpWorkerConfig } from '../../src/mcp/mcp-config';
import { renderMcpResult } from '../../src/mcp/mcp-result';
import { MAX_OUTPUT_CHARS } from '../../src/workspace/tools';
import { startTestMcpServer, type TestMcpServer } from '../helpers/mcp-server';

describe('listing a server', () => {
  let mcp: TestMcpServer;
  beforeAll(async () => {
    mcp = await startTestMcpServer();
  });
  afterAll(() => mcp.stop());

  it('lists only the enabled tools, with their schemas, and reports a server it cannot reach', async () => {
    const { listMcpTools } = createMcpActivities({ config: mcpWorkerConfig({}) });
    const { servers } = await listMcpTools({
      sessionId: 'sesn_test',
      servers: [
        {
          server: { type: 'url', name: 'tickets', url: mcp.url },
          toolset: {
            type: 'mcp_toolset',
            mcp_server_name: 'tickets',
            default_config: { enabled: false },
            configs: [{ name: 'lookup_ticket', enabled: true }, { name: 'add' }, { name: 'slow', enabled: true }],
          },
        },
        {
          server: { type: 'url', name: 'nowhere', url: 'http://127.0.0.1:1/mcp' },
          toolset: { type: 'mcp_toolset', mcp_server_name: 'nowhere' },
        },
      ],
    });
    expect(servers[0]).toEqual({
      server: 'tickets',
      ok: true,
      tools: [
        expect.objectContaining({ name: 'lookup_ticket', description: 'Look up a ticket by id' }),
        expect.objectContaining({ name: 'slow' }),
      ],
    });
    expect(servers[0].ok && servers[0].tools[0].input_schema).toMatchObject({
      type: 'object',
      properties: { id: { type: 'string' } },
    });
    expect(servers[1]).toEqual({
      server: 'nowhere',
      ok: false,
      message: expect.stringMatching(/^cannot list tools: /),
    });
  });
});

describe('an MCP tool result as the model reads it', () => {
  it('passes text, replaces other content by a notice, and uses structured content when there is nothing else', () => {
    const rendered = renderMcpResult({
      content: [
        { type: 'text', text: 'first' },
        { type: 'image', data: 'aGk=', mimeType: 'image/png' },
        { type: 'resource_link', uri: 'file:///a.txt', name: 'a' },
      ],
    });
    expect(rendered).toEqual({
      content: 'first\n[image content (image/png) not shown: Lucid passes text only]\n[resource link: file:///a.txt]',
      is_error: false,
    });
    expect(renderMcpResult({ content: [], structuredContent: { total: 3 } }).content).toBe('{"total":3}');
    expect(renderMcpResult({ content: [], isError: true })).toEqual({
      content: '(the tool returned no content)',
      is_error: true,
    });
  });

  it('truncates long output with a notice and turns a malformed result into a tool error', () => {
    const long = renderMcpResult({ content: [{ type: 'text', text: 'x'.repeat(MAX_OUTPUT_CHARS * 2) }] });
    expect(long.content.length).toBeLessThan(MAX_OUTPUT_CHARS + 200);
    expect(long.content).toMatch(/\[output truncated: showed \d+ of 64000 characters\]$/);
    expect(renderMcpResult({ content: 'nope' })).toEqual({
      content: 'the MCP server returned a malformed tool result',
      is_error: true,
    });
  });
});
