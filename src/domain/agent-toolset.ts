import { z } from 'zod';
import { ACTIVITY_TOOL_TYPE, ActivityToolSchema, type ActivityTool } from './activity-tools';
import { MCP_TOOLSET_TYPE, McpToolsetSchema, type McpToolset } from './mcp-servers';
import { CUSTOM_TOOL_TYPE, CustomToolSchema, type CustomTool } from './custom-tools';

/**
 * The tools an agent definition may name, in the two shapes Lucid accepts:
 *
 * - the Managed Agents API's toolset, `{type: "agent_toolset_20260401", default_config?, configs?}`, whose tools
 *   are bash, read, write, edit, glob, grep, web_fetch and web_search (every one enabled unless configured off,
 *   as in the API);
 * - a plain list of names, Lucid's original shape (`["read_file", "write_file", ...]`), which may also name the
 *   toolset's tools (`["read", "grep"]`).
 *
 * Both may be mixed in one list. {@link enabledToolNames} resolves a definition to the tools the model is
 * offered. Pure and deterministic, free of I/O: workflow code calls it. See docs/tools.md.
 */

export const TOOLSET_TYPE = 'agent_toolset_20260401';

/** The toolset's tools that Lucid provides, in the order they are offered to the model. */
export const TOOLSET_TOOL_NAMES = ['bash', 'read', 'write', 'edit', 'glob', 'grep', 'web_fetch'] as const;
/** In the API's toolset but not provided by Lucid: off unless enabled explicitly, which is a validation error. */
export const UNSUPPORTED_TOOLSET_TOOLS = ['web_search'] as const;
/** Lucid's original tool names; they keep working in a plain list. */
export const LEGACY_TOOL_NAMES = ['read_file', 'write_file', 'edit_file', 'list_files', 'grep'] as const;
/** Every name a plain tool list may hold (`grep` is both a legacy and a toolset name: the same tool). */
export const AGENT_TOOL_NAMES = [
  ...LEGACY_TOOL_NAMES,
  ...TOOLSET_TOOL_NAMES.filter((name) => name !== 'grep'),
] as const;

export type ToolsetToolName = (typeof TOOLSET_TOOL_NAMES)[number];
export type AgentToolName = (typeof AGENT_TOOL_NAMES)[number];

/**
 * Whether a call runs without asking. `always_ask` waits for a `user.tool_confirmation` (tool-confirmations.ts);
 * under `auto` a separate model call judges each call (permission-judge.ts).
 */
export const PermissionPolicySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('always_allow') }).strict(),
  z.object({ type: z.literal('always_ask') }).strict(),
  z.object({ type: z.literal('auto') }).strict(),
]);
export type PermissionPolicy = z.infer<typeof PermissionPolicySchema>;

const ALWAYS_ALLOW: PermissionPolicy = { type: 'always_allow' };
const CONFIGURABLE_TOOL_NAMES = [...TOOLSET_TOOL_NAMES, ...UNSUPPORTED_TOOLSET_TOOLS] as const;

/** One tool's override. `type`, when given, must repeat the name, as in the API. */
const ToolConfigSchema = z
  .object({
    name: z.enum(CONFIGURABLE_TOOL_NAMES),
    type: z.enum(CONFIGURABLE_TOOL_NAMES).optional(),
    enabled: z.boolean().nullish(),
    permission_policy: PermissionPolicySchema.nullish(),
  })
  .strict()
  .refine((config) => config.type === undefined || config.type === config.name, {
    message: 'type must equal name',
    path: ['type'],
  })
  .refine((config) => !(config.enabled === true && isUnsupported(config.name)), {
    message: `web_search is not available on Lucid; remove it or set enabled: false`,
    path: ['enabled'],
  });

const ToolsetDefaultConfigSchema = z
  .object({ enabled: z.boolean().nullish(), permission_policy: PermissionPolicySchema.nullish() })
  .strict();

export const AgentToolsetSchema = z
  .object({
    type: z.literal(TOOLSET_TYPE),
    default_config: ToolsetDefaultConfigSchema.nullish(),
    configs: z.array(ToolConfigSchema).max(CONFIGURABLE_TOOL_NAMES.length).optional(),
  })
  .strict()
  .superRefine((toolset, context) => {
    const seen = new Set<string>();
    toolset.configs?.forEach((config, index) => {
      if (seen.has(config.name)) {
        context.addIssue({
          code: 'custom',
          message: `duplicate config for "${config.name}"`,
          path: ['configs', index],
        });
      }
      seen.add(config.name);
    });
  });
export type AgentToolset = z.infer<typeof AgentToolsetSchema>;

/** The schema of each kind of object entry in `tools`, by its `type`: the toolset, and users' own tools. */
const OBJECT_ENTRY_SCHEMAS: Record<string, z.ZodType> = {
  [TOOLSET_TYPE]: AgentToolsetSchema,
  [ACTIVITY_TOOL_TYPE]: ActivityToolSchema,
  [MCP_TOOLSET_TYPE]: McpToolsetSchema,
  [CUSTOM_TOOL_TYPE]: CustomToolSchema,
};

/** An object entry of `tools`. */
export type AgentToolObject = AgentToolset | ActivityTool | McpToolset | CustomTool;

/**
 * One entry of `tools`: a name or an object, chosen by its JSON type and then its `type` rather than by a plain
 * union, so a mistake in an object is reported as that mistake, not as "not a string either".
 */
const ToolEntrySchema = z.custom<AgentToolName | AgentToolObject>().superRefine((entry, context) => {
  const schema = typeof entry === 'string' ? z.enum(AGENT_TOOL_NAMES) : objectEntrySchema(entry);
  if (!schema) {
    const types = Object.keys(OBJECT_ENTRY_SCHEMAS).join(', ');
    context.addIssue({ code: 'custom', message: `a tool is a name or an object whose type is one of: ${types}` });
    return;
  }
  const parsed = schema.safeParse(entry);
  if (!parsed.success) for (const issue of parsed.error.issues) context.addIssue({ ...issue, code: 'custom' });
});

function objectEntrySchema(entry: unknown): z.ZodType | undefined {
  const type = entry && typeof entry === 'object' ? (entry as { type?: unknown }).type : undefined;
  return typeof type === 'string' && Object.hasOwn(OBJECT_ENTRY_SCHEMAS, type) ? OBJECT_ENTRY_SCHEMAS[type] : undefined;
}

/** The API's limit on an agent's tools (256 across all toolsets), plus Lucid's plain names. */
export const MAX_AGENT_TOOLS = 256 + AGENT_TOOL_NAMES.length;

/** An agent's `tools`: names and at most one toolset. */
export const AgentToolsSchema = z
  .array(ToolEntrySchema)
  .max(MAX_AGENT_TOOLS)
  .superRefine((entries, context) => {
    if (entries.filter((entry) => typeof entry !== 'string' && entry.type === TOOLSET_TYPE).length > 1) {
      context.addIssue({ code: 'custom', message: `at most one ${TOOLSET_TYPE} entry` });
    }
    for (const clash of userToolNameClashes(entries)) context.addIssue({ code: 'custom', ...clash });
  });
export type AgentTools = z.infer<typeof AgentToolsSchema>;

/** Names the model knows Lucid's own tools by: a user tool may not take one. */
export const LUCID_TOOL_NAMES: readonly string[] = [
  ...AGENT_TOOL_NAMES,
  ...UNSUPPORTED_TOOLSET_TOOLS,
  'delegate', // src/domain/threads.ts DELEGATE_TOOL_NAME
  'memory', // src/memory/attachments.ts MEMORY_TOOL_NAME
];

/** A user tool (an object entry with a `name`) named like one of Lucid's tools or like an earlier user tool. */
function userToolNameClashes(entries: readonly unknown[]): Array<{ message: string; path: (string | number)[] }> {
  const clashes: Array<{ message: string; path: (string | number)[] }> = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const name = entry && typeof entry === 'object' ? (entry as { name?: unknown }).name : undefined;
    if (typeof name !== 'string') return;
    if (LUCID_TOOL_NAMES.includes(name)) {
      clashes.push({ message: `the name "${name}" is taken by one of Lucid's tools`, path: [index, 'name'] });
    } else if (seen.has(name)) {
      clashes.push({ message: `another tool is already named "${name}"`, path: [index, 'name'] });
    }
    seen.add(name);
  });
  return clashes;
}

/** The part of an agent definition the resolver reads. */
export interface WithTools {
  tools: AgentTools;
}

/**
 * The tool names the model is offered, in a stable order: plain names in the order listed, then the toolset's
 * enabled tools in {@link TOOLSET_TOOL_NAMES} order, each name once. web_search is never offered. web_fetch
 * is listed when enabled; a worker without a host allowlist leaves it out of the request (src/workspace/web-fetch.ts).
 */
export function enabledToolNames(agent: WithTools): string[] {
  const names = new Set<string>();
  for (const entry of agent.tools) {
    if (typeof entry === 'string') names.add(entry);
    else if (entry.type === TOOLSET_TYPE) {
      for (const name of TOOLSET_TOOL_NAMES) if (isEnabled(entry, name)) names.add(name);
    }
  }
  return [...names];
}

/**
 * The permission policy of one tool: its config's, else the toolset default's, else `always_allow` (plain names
 * are always allowed).
 */
export function permissionPolicyOf(agent: WithTools, toolName: string): PermissionPolicy {
  for (const entry of agent.tools) {
    if (typeof entry === 'string' || entry.type !== TOOLSET_TYPE) continue;
    const config = entry.configs?.find((candidate) => candidate.name === toolName);
    if (config?.permission_policy) return config.permission_policy;
    if ((TOOLSET_TOOL_NAMES as readonly string[]).includes(toolName) && entry.default_config?.permission_policy) {
      return entry.default_config.permission_policy;
    }
  }
  return ALWAYS_ALLOW;
}

function isEnabled(toolset: AgentToolset, name: ToolsetToolName): boolean {
  const config = toolset.configs?.find((candidate) => candidate.name === name);
  return config?.enabled ?? toolset.default_config?.enabled ?? true;
}

function isUnsupported(name: string): boolean {
  return (UNSUPPORTED_TOOLSET_TOOLS as readonly string[]).includes(name);
}
