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

/** The largest input_schema, serialized, and its deepest nesting of objects and arrays: tools go with every request. */
export const MAX_INPUT_SCHEMA_BYTES = 64 * 1024;
export const MAX_INPUT_SCHEMA_DEPTH = 32;

/** A JSON Schema for a tool's input, as the Messages API takes one: an object schema, bounded in size and depth. */
export const ToolInputSchemaSchema = z
  .looseObject({
    type: z.literal('object', { error: 'input_schema must be an object schema ({"type": "object", ...})' }),
    properties: z.record(z.string(), z.union([z.looseObject({}), z.boolean()])).optional(),
    required: z.array(z.string()).optional(),
  })
  .superRefine((schema, context) => {
    const bytes = new TextEncoder().encode(JSON.stringify(schema)).length;
    if (bytes > MAX_INPUT_SCHEMA_BYTES) {
      context.addIssue({
        code: 'custom',
        message: `input_schema is ${bytes} bytes serialized; at most ${MAX_INPUT_SCHEMA_BYTES}`,
      });
    } else if (depthOf(schema) > MAX_INPUT_SCHEMA_DEPTH) {
      context.addIssue({ code: 'custom', message: `input_schema nests deeper than ${MAX_INPUT_SCHEMA_DEPTH} levels` });
    }
  });

/** How deep `value` nests, counted no further than one past the limit (so a deep value costs little). */
function depthOf(value: unknown, level = 0): number {
  if (value === null || typeof value !== 'object' || level > MAX_INPUT_SCHEMA_DEPTH) return level;
  const children = Array.isArray(value) ? value : Object.values(value);
  let deepest = level + 1;
  for (const child of children) deepest = Math.max(deepest, depthOf(child, level + 1));
  return deepest;
}

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
