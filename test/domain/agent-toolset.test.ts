import { AgentDefinitionSchema } from '../../src/domain/agent-definition';
import { describeIssues } from '../../src/domain/session-input';
import { enabledToolNames, permissionPolicyOf, TOOLSET_TYPE } from '../../src/domain/agent-toolset';

const parse = (tools: unknown) => AgentDefinitionSchema.safeParse({ name: 'a', model: 'm', tools });

function parsed(tools: unknown) {
  const result = parse(tools);
  if (!result.success) throw new Error(describeIssues(result.error));
  return result.data;
}

function problems(tools: unknown): string {
  const result = parse(tools);
  expect(result.success).toBe(false);
  return describeIssues(result.error!);
}

describe('tools: the Managed Agents toolset shape', () => {
  it('enables every tool Lucid provides when no config is given, as the API does (web_search excepted)', () => {
    const agent = parsed([{ type: TOOLSET_TYPE }]);
    expect(enabledToolNames(agent)).toEqual(['bash', 'read', 'write', 'edit', 'glob', 'grep', 'web_fetch']);
    expect(permissionPolicyOf(agent, 'read')).toEqual({ type: 'always_allow' });
  });

  it('applies per-tool configs over default_config, in a stable order whatever the order of configs', () => {
    const agent = parsed([
      {
        type: TOOLSET_TYPE,
        default_config: { enabled: false, permission_policy: { type: 'always_ask' } },
        configs: [
          { name: 'grep', enabled: true },
          { name: 'read', type: 'read', enabled: true, permission_policy: { type: 'always_allow' } },
          { name: 'web_search', enabled: false },
        ],
      },
    ]);
    expect(enabledToolNames(agent)).toEqual(['read', 'grep']);
    expect(permissionPolicyOf(agent, 'read')).toEqual({ type: 'always_allow' });
    expect(permissionPolicyOf(agent, 'grep')).toEqual({ type: 'always_ask' });
  });

  it('turns single tools off, as the shipped agents do with bash', () => {
    const agent = parsed([{ type: TOOLSET_TYPE, configs: [{ name: 'bash', enabled: false }] }]);
    expect(enabledToolNames(agent)).toEqual(['read', 'write', 'edit', 'glob', 'grep', 'web_fetch']);
  });

  it('accepts the API nulls and the auto policy, stored as given', () => {
    const agent = parsed([
      {
        type: TOOLSET_TYPE,
        default_config: null,
        configs: [{ name: 'edit', enabled: null, permission_policy: { type: 'auto' } }],
      },
    ]);
    expect(enabledToolNames(agent)).toContain('edit');
    expect(permissionPolicyOf(agent, 'edit')).toEqual({ type: 'auto' });
  });

  it('survives the JSON round trip of continue-as-new state unchanged', () => {
    const agent = parsed([{ type: TOOLSET_TYPE, configs: [{ name: 'bash', enabled: false }] }, 'list_files']);
    const again = parsed(JSON.parse(JSON.stringify(agent)).tools);
    expect(again).toEqual(agent);
    expect(enabledToolNames(again)).toEqual(enabledToolNames(agent));
  });

  it('keeps web_search off when the default enables everything', () => {
    const agent = parsed([{ type: TOOLSET_TYPE, default_config: { enabled: true } }]);
    expect(enabledToolNames(agent)).not.toContain('web_search');
  });

  it.each([
    [[{ type: TOOLSET_TYPE, configs: [{ name: 'shell' }] }], /tools\.0\.configs\.0\.name: Invalid option/],
    [
      [{ type: TOOLSET_TYPE, configs: [{ name: 'read', allowed: true }] }],
      /tools\.0\.configs\.0: Unrecognized key: "allowed"/,
    ],
    [
      [{ type: TOOLSET_TYPE, configs: [{ name: 'read' }, { name: 'read' }] }],
      /tools\.0\.configs\.1: duplicate config for "read"/,
    ],
    [
      [{ type: TOOLSET_TYPE, configs: [{ name: 'read', type: 'write' }] }],
      /tools\.0\.configs\.0\.type: type must equal name/,
    ],
    [
      [{ type: TOOLSET_TYPE, configs: [{ name: 'web_search', enabled: true }] }],
      /web_search is not available on Lucid/,
    ],
    [
      [{ type: TOOLSET_TYPE, default_config: { enabled: true, mode: 'x' } }],
      /default_config: Unrecognized key: "mode"/,
    ],
    [[{ type: TOOLSET_TYPE, default_config: { permission_policy: { type: 'sometimes' } } }], /permission_policy/],
    [[{ type: TOOLSET_TYPE, extra: 1 }], /tools\.0: Unrecognized key: "extra"/],
    [
      [{ type: 'agent_toolset_20250101' }],
      /tools\.0: a tool is a name or an object whose type is one of: agent_toolset_20260401/,
    ],
    [[{ type: TOOLSET_TYPE }, { type: TOOLSET_TYPE }], /at most one agent_toolset_20260401 entry/],
    [['read_file', 'shell'], /tools\.1: Invalid option/],
    [[42], /tools\.0: a tool is a name or an object/],
  ])('refuses %j with a clear message', (tools, message) => {
    expect(problems(tools)).toMatch(message);
  });
});

describe('tools: plain names', () => {
  it('keeps the original names working, in the order given', () => {
    const agent = parsed(['grep', 'read_file', 'write_file', 'edit_file', 'list_files']);
    expect(enabledToolNames(agent)).toEqual(['grep', 'read_file', 'write_file', 'edit_file', 'list_files']);
    expect(permissionPolicyOf(agent, 'read_file')).toEqual({ type: 'always_allow' });
  });

  it('defaults to no tools', () => {
    expect(enabledToolNames(parsed(undefined))).toEqual([]);
  });

  it('mixes names and the toolset, each name once', () => {
    const agent = parsed([
      'list_files',
      { type: TOOLSET_TYPE, default_config: { enabled: false }, configs: [{ name: 'grep', enabled: true }] },
      'grep',
    ]);
    expect(enabledToolNames(agent)).toEqual(['list_files', 'grep']);
  });

  it('takes the new names as plain names too', () => {
    expect(enabledToolNames(parsed(['read', 'glob']))).toEqual(['read', 'glob']);
  });
});
