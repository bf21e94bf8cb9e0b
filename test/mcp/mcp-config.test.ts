import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { mcpWorkerConfig } from '../../src/mcp/mcp-config';
import { tempDir } from '../helpers/temporal';

function headersFile(contents: string): string {
  const file = path.join(tempDir('lucid-mcp-config-'), 'headers.json');
  writeFileSync(file, contents);
  return file;
}

describe("the worker's MCP configuration", () => {
  it('gives a URL the headers of every prefix it starts with, and no other', () => {
    const file = headersFile(
      JSON.stringify({
        'https://mcp.example.com/': { Authorization: 'Bearer one' },
        'https://mcp.example.com/tickets/': { 'X-Team': 'support' },
        'https://other.example.com/': { Authorization: 'Bearer two' },
      }),
    );
    const config = mcpWorkerConfig({ LUCID_MCP_HEADERS_FILE: file });
    expect(config.headersFor('https://mcp.example.com/tickets/mcp')).toEqual({
      Authorization: 'Bearer one',
      'X-Team': 'support',
    });
    expect(config.headersFor('https://mcp.example.com.evil.test/mcp')).toEqual({});
    expect(mcpWorkerConfig({}).headersFor('https://mcp.example.com/')).toEqual({});
  });

  it('refuses a prefix without the slash after its host, which would match other hosts', () => {
    const config = mcpWorkerConfig({ LUCID_MCP_HEADERS_FILE: headersFile('{"https://mcp.example.com": {"A": "b"}}') });
    expect(() => config.headersFor('https://mcp.example.com.evil.test/')).toThrow(/LUCID_MCP_HEADERS_FILE/);
  });

  it('refuses a malformed headers file without quoting it', () => {
    const config = mcpWorkerConfig({
      LUCID_MCP_HEADERS_FILE: headersFile('{"https://a/": {"Authorization": 7}} secret-x'),
    });
    expect(() => config.headersFor('https://a/')).toThrow(/^LUCID_MCP_HEADERS_FILE is not a JSON object/);
    try {
      config.headersFor('https://a/');
    } catch (error) {
      expect(String(error)).not.toContain('secret-x');
    }
  });

  it('allows exactly the listed stdio commands', () => {
    const config = mcpWorkerConfig({ LUCID_MCP_STDIO_COMMANDS: '/opt/mcp/a, /opt/mcp/b' });
    expect(config.allowsCommand('/opt/mcp/b')).toBe(true);
    expect(config.allowsCommand('/opt/mcp')).toBe(false);
    expect(mcpWorkerConfig({}).allowsCommand('')).toBe(false);
  });
});
