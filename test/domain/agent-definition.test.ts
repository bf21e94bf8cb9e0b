import fs from 'node:fs';
import path from 'node:path';
import { AgentDefinitionSchema } from '../../src/domain/agent-definition';
import { SessionInputSchema } from '../../src/domain/session-input';

const agentsDir = path.resolve(__dirname, '..', '..', 'agents');

describe('agent definitions', () => {
  it.each(fs.readdirSync(agentsDir).filter((name) => name.endsWith('.json')))('agents/%s is valid', (file) => {
    const definition = JSON.parse(fs.readFileSync(path.join(agentsDir, file), 'utf8'));
    expect(AgentDefinitionSchema.safeParse(definition).success).toBe(true);
    expect(definition.name).toBe(file.replace(/\.json$/, ''));
  });

  it('validates inline rosters recursively and bounds their size', () => {
    const member = { name: 'm', model: 'x' };
    expect(AgentDefinitionSchema.safeParse({ name: 'lead', model: 'x', subagents: [member, 'named'] }).success).toBe(
      true,
    );
    expect(AgentDefinitionSchema.safeParse({ name: 'lead', model: 'x', subagents: [] }).success).toBe(false);
    expect(
      AgentDefinitionSchema.safeParse({ name: 'lead', model: 'x', subagents: Array(21).fill(member) }).success,
    ).toBe(false);
    const badMember = AgentDefinitionSchema.safeParse({
      name: 'lead',
      model: 'x',
      subagents: [{ name: 'm', model: 'x', tools: ['rm'] }],
    });
    expect(badMember.success).toBe(false);
  });

  it('rejects unknown fields and tools with readable paths', () => {
    const parsed = SessionInputSchema.safeParse({
      agent: { name: 'a', model: 'x', tools: ['shell'] },
      message: 'hi',
      extra: 1,
    });
    expect(parsed.success).toBe(false);
    const paths = parsed.error!.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['agent.tools.0', '']));
  });
});
