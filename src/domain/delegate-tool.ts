import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { DELEGATE_TOOL_NAME, DelegateInputSchema, type RosterEntry } from './threads';

/** The lead's `delegate` tool as the model sees it: the roster is in the description, agent names in an enum. */
export function delegateToolDefinition(roster: RosterEntry[]): Anthropic.Tool {
  const { $schema: _schema, ...schema } = z.toJSONSchema(DelegateInputSchema) as Record<string, unknown>;
  const properties = { ...(schema.properties as Record<string, Record<string, unknown>>) };
  properties.agent = { ...properties.agent, enum: roster.map((entry) => entry.name) };
  const lines = roster.map(
    (entry) => `- ${entry.name} (${entry.model})${entry.description ? `: ${entry.description}` : ''}`,
  );
  return {
    name: DELEGATE_TOOL_NAME,
    description:
      'Hand a self-contained task to a specialist sub-agent. It works in the same workspace, in its own context, and ' +
      'answers with a short message (details go to workspace files). Several delegate calls in one turn run in ' +
      'parallel. Pass `thread` to send a follow-up to an earlier thread, which remembers its previous work.\n' +
      `Roster:\n${lines.join('\n')}`,
    input_schema: { ...(schema as Anthropic.Tool.InputSchema), properties },
  };
}
