import { z } from 'zod';
import type { TextBlock } from './events';
import { ToolInputSchemaSchema, UserToolNameSchema, type UserToolDefinition } from './user-tools';

/**
 * Custom tools, as in Managed Agents: `{type: "custom", name, description, input_schema}` in an agent's tools.
 * The session runs nothing for them: a call is an `agent.custom_tool_use` event, the client runs the tool and
 * answers with `user.custom_tool_result` (docs/tools.md, "Custom tools"). Pure and deterministic: workflow code
 * calls it.
 */

export const CUSTOM_TOOL_TYPE = 'custom';

/** How long a custom tool call waits for the client's answer unless the session says otherwise: one hour. */
export const DEFAULT_CUSTOM_TOOL_WAIT_SECONDS = 3600;
/** A result longer than this is cut with a notice, as Lucid's own tools' output is (src/workspace/tools.ts). */
export const MAX_CUSTOM_TOOL_RESULT_CHARS = 32_000;

export const CustomToolSchema = z.strictObject({
  type: z.literal(CUSTOM_TOOL_TYPE),
  // Lucid's own tools' names are refused with the agent's other tools (agent-toolset.ts, userToolNameClashes).
  name: UserToolNameSchema,
  description: z.string().min(1).max(1024),
  input_schema: ToolInputSchemaSchema,
});
export type CustomTool = z.infer<typeof CustomToolSchema>;

export function isCustomTool(entry: unknown): entry is CustomTool {
  return typeof entry === 'object' && entry !== null && (entry as { type?: unknown }).type === CUSTOM_TOOL_TYPE;
}

export function customToolDefinition(tool: CustomTool): UserToolDefinition {
  return { name: tool.name, description: tool.description, input_schema: tool.input_schema };
}

/** The names of an agent's custom tools. */
export function customToolNames(tools: readonly unknown[]): Set<string> {
  return new Set(tools.filter(isCustomTool).map((tool) => tool.name));
}

/** What a client answers a custom tool call with (the API's `user.custom_tool_result`, without its type). */
export const CustomToolResultSchema = z.strictObject({
  /** The id of the `agent.custom_tool_use` event answered. */
  custom_tool_use_id: z.string().min(1).max(256),
  /** Text blocks (the API also allows images and documents; Lucid takes text only for now). */
  content: z
    .array(z.strictObject({ type: z.literal('text', { error: 'only text blocks are supported' }), text: z.string() }))
    .max(100)
    .optional(),
  is_error: z.boolean().nullish(),
});
export type CustomToolResult = z.infer<typeof CustomToolResultSchema>;

/** The result's content as the model gets it: one text block, cut to the limit with a notice. */
export function customToolResultContent(result: CustomToolResult): TextBlock[] {
  const text = (result.content ?? []).map((block) => block.text).join('\n');
  return [{ type: 'text', text: truncated(text) }];
}

function truncated(text: string): string {
  if (text.length <= MAX_CUSTOM_TOOL_RESULT_CHARS) return text;
  let end = MAX_CUSTOM_TOOL_RESULT_CHARS;
  if (/[\uD800-\uDBFF]/.test(text[end - 1])) end--;
  return `${text.slice(0, end)}\n[output truncated: showed ${end} of ${text.length} characters]`;
}
