import { AgentDefinitionSchema } from '../../src/domain/agent-definition';
import { describeIssues } from '../../src/domain/session-input';
import { isMcpToolEnabled, mcpPermissionPolicyOf, type McpServer } from '../../src/domain/mcp-servers';
import { offerMcpTools, type ListedMcpTool } from '../../src/domain/mcp-tools';

const server: McpServer = { type: 'url', name: 'tickets', url: 'https://mcp.example.com/mcp' };
const toolset = { type: 'mcp_toolset', mcp_server_name: 'tickets' };

function problems(definition: Record<string, unknown>): string | null {
  const parsed = AgentDefinitionSchema.safeParse({ name: 'a', model: 'm', ...definition });
  return parsed.success ? null : describeIssues(parsed.error);
}

describe('mcp_servers and mcp_toolset in agent definitions', () => {
  it('accepts url and stdio servers each referenced by one toolset', () => {
    expect(problems({ mcp_servers: [server], tools: [toolset] })).toBeNull();
    const stdio = { type: 'stdio', name: 'local', command: '/opt/mcp/server', args: ['--quiet'] };
    const tools = [toolset, { type: 'mcp_toolset', mcp_server_name: 'local', default_config: { enabled: false } }];
    expect(problems({ mcp_servers: [server, stdio], tools })).toBeNull();
  });

  it.each([
    [{ mcp_servers: [server], tools: [] }, /"tickets" is not referenced by an mcp_toolset/],
    [{ tools: [toolset] }, /names "tickets", which is not in mcp_servers/],
    [{ mcp_servers: [server], tools: [toolset, toolset] }, /more than one mcp_toolset for server "tickets"/],
    [{ mcp_servers: [server, server], tools: [toolset] }, /duplicate server name "tickets"/],
    [{ mcp_servers: [{ ...server, url: 'file:///etc/passwd' }], tools: [toolset] }, /http/],
    [{ mcp_servers: [{ ...server, name: '' }], tools: [toolset] }, /mcp_servers/],
    [{ mcp_servers: [{ ...server, headers: { a: 'b' } }], tools: [toolset] }, /headers/],
    [{ mcp_servers: Array.from({ length: 21 }, (_, i) => ({ ...server, name: `s${i}` })) }, /mcp_servers/],
    [
      { mcp_servers: [server], tools: [{ ...toolset, configs: [{ name: 'x' }, { name: 'x' }] }] },
      /duplicate config for "x"/,
    ],
    [{ mcp_servers: [server], tools: [{ ...toolset, configs: [{ name: 'x', enabled: 'yes' }] }] }, /enabled/],
  ])('refuses %j', (definition, message) => {
    expect(problems(definition)).toMatch(message);
  });

  it('resolves enabled flags and permission policies, always_ask by default as in the API', () => {
    const agent = {
      mcp_servers: [server],
      tools: [
        {
          type: 'mcp_toolset' as const,
          mcp_server_name: 'tickets',
          default_config: { enabled: false },
          configs: [{ name: 'lookup', enabled: true, permission_policy: { type: 'always_allow' as const } }],
        },
      ],
    };
    expect(isMcpToolEnabled(agent, 'tickets', 'lookup')).toBe(true);
    expect(isMcpToolEnabled(agent, 'tickets', 'delete')).toBe(false);
    expect(mcpPermissionPolicyOf(agent, 'tickets', 'lookup')).toEqual({ type: 'always_allow' });
    expect(mcpPermissionPolicyOf(agent, 'tickets', 'delete')).toEqual({ type: 'always_ask' });
  });
});

describe('offered MCP tool names', () => {
  const tool = (name: string): ListedMcpTool => ({ name, description: '', input_schema: { type: 'object' } });

  it('keeps a free name, namespaces one that clashes or is invalid, and leaves out one that cannot be offered', () => {
    const offered = offerMcpTools(
      [
        { server: 'tickets', tools: [tool('lookup'), tool('bash'), tool('has space')] },
        { server: 'other.srv', tools: [tool('lookup'), tool('mine')] },
        { server: 'tickets', tools: [tool('bash')] },
      ],
      ['mine'],
    );
    expect(offered.map((entry) => [entry.server, entry.name, entry.tool_name])).toEqual([
      ['tickets', 'lookup', 'lookup'],
      ['tickets', 'bash', 'tickets__bash'],
      ['tickets', 'has space', 'tickets__has_space'],
      ['other.srv', 'lookup', 'other_srv__lookup'],
      ['other.srv', 'mine', 'other_srv__mine'],
    ]);
  });
});
