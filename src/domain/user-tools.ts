import { z } from 'zod';
import type { AgentTools } from './agent-toolset';

/**
 * Tools an agent's users bring, next to Lucid's own: each kind is an object entry of an agent's `tools`
 * (`{type: ...}`, validated by its schema in ./agent-toolset.ts) that the model is offered with the definition
 * below, and that the session runs its own way (docs/tools.md, "Users' own tools"). Pure and deterministic, free of
 * I/O: workflow code calls it.
 */

/** The API's rule for a custom tool's name: 1-128 letters, digits, underscores and hyphens. */
export const UserToolNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" and "-" only');

/** A tool as offered to the model: the Messages API's `{name, description, input_schema}`. */
export const UserToolDefinitionSchema = z.looseObject({
  name: UserToolNameSchema,
  description: z.string(),
  input_schema: z.looseObject({ type: z.literal('object') }),
});
export type UserToolDefinition = z.infer<typeof UserToolDefinitionSchema>;

/** The definitions the model is offered for an agent's own tools, in the order listed; empty when it has none. */
export function userToolDefinitions(tools: AgentTools): UserToolDefinition[] {
  const definitions: UserToolDefinition[] = [];
  for (const entry of tools) {
    if (typeof entry === 'string') continue;
    // Each kind of user tool adds its definitions here.
    if (entry.type === 'temporal_activity' || entry.type === 'custom') {
      definitions.push({ name: entry.name, description: entry.description, input_schema: entry.input_schema });
    }
  }
  return definitions;
}
