import { z } from 'zod';
import { AgentToolsSchema } from './agent-toolset';
import { McpServersSchema, mcpReferenceProblems } from './mcp-servers';

/** Tool names an agent may list; the shapes and the resolver are in ./agent-toolset.ts. */
export { AGENT_TOOL_NAMES, enabledToolNames, permissionPolicyOf } from './agent-toolset';

export const DEFAULT_MAX_TURNS = 50;
export const MAX_MAX_TURNS = 10_000;
/** A roster holds 1 to 20 sub-agents, as in the Managed Agents API. */
export const MAX_ROSTER_SIZE = 20;

export const AgentNameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-" only');

/**
 * Limits on a lead agent's threads. Each is enforced with a tool error the lead sees, never a crash.
 * `max_depth` 1 means the lead's sub-agents cannot delegate further.
 */
export const ThreadLimitsSchema = z
  .object({
    max_concurrent: z.number().int().min(1).max(200).default(25),
    max_total: z.number().int().min(1).max(1000).default(100),
    max_depth: z.number().int().min(1).max(5).default(1),
  })
  .strict();
export type ThreadLimits = z.infer<typeof ThreadLimitsSchema>;

const ratio = z.number().gt(0).lt(1);

/**
 * Clearing old tool results (the Messages API's `clear_tool_uses` edit, done by Lucid on the transcript it
 * builds): once the next request would pass `trigger_ratio` of the window, the oldest tool results are replaced by
 * a placeholder, in one batch, until it is down to `target_ratio`; the newest `keep` tool results stay whole.
 */
export const ClearToolUsesSchema = z
  .object({
    trigger_ratio: ratio.default(0.7),
    target_ratio: ratio.default(0.5),
    keep: z.number().int().min(0).max(1000).default(3),
  })
  .strict()
  .refine((options) => options.target_ratio < options.trigger_ratio, {
    message: 'target_ratio must be below trigger_ratio',
  });

export type ClearToolUses = z.infer<typeof ClearToolUsesSchema>;

/** Compaction (the API's `compact` edit): a summary replaces the older conversation when clearing is not enough. */
export const CompactionOptionsSchema = z
  .object({
    enabled: z.boolean().default(true),
    trigger_ratio: ratio.default(0.85),
    /** Extra instructions for the summary, as the API's `instructions`. */
    instructions: z.string().max(10_000).optional(),
  })
  .strict();

/** How Lucid keeps an agent's requests inside its context window; see docs/context.md. */
export const ContextManagementSchema = z
  .object({
    clear_tool_uses: ClearToolUsesSchema.default(ClearToolUsesSchema.parse({})),
    compaction: CompactionOptionsSchema.default(CompactionOptionsSchema.parse({})),
  })
  .strict();
export type ContextManagement = z.infer<typeof ContextManagementSchema>;

/** An agent: which model it uses, how it is told to behave, which tools it may call and whom it may delegate to. */
export const AgentDefinitionSchema = z
  .object({
    name: AgentNameSchema,
    model: z.string().min(1).max(256),
    system: z.string().max(100_000).default(''),
    /** Plain names and/or the Managed Agents toolset; resolve with `enabledToolNames`, never read directly. */
    tools: AgentToolsSchema.default([]),
    max_turns: z.number().int().min(1).max(MAX_MAX_TURNS).default(DEFAULT_MAX_TURNS),
    max_tokens: z.number().int().min(1).max(128_000).default(8192),
    /** What the agent is for; a lead sees its sub-agents' descriptions. */
    description: z.string().max(2048).optional(),
    /** Sub-agents this agent may delegate to with the `delegate` tool: names of definitions or inline ones. */
    get subagents() {
      return z
        .array(z.union([AgentNameSchema, AgentDefinitionSchema]))
        .min(1)
        .max(MAX_ROSTER_SIZE)
        .optional();
    },
    thread_limits: ThreadLimitsSchema.optional(),
    /** The context window in tokens, overriding the model's (src/domain/context-window.ts), e.g. for a 1M beta. */
    context_window: z.number().int().min(1_000).max(10_000_000).optional(),
    /** Options for clearing and compaction; absent means the defaults (`contextManagementOf`). */
    context_management: ContextManagementSchema.optional(),
    /** MCP servers whose tools an `mcp_toolset` entry of `tools` offers (src/domain/mcp-servers.ts). */
    mcp_servers: McpServersSchema.optional(),
  })
  .strict()
  .superRefine((agent, context) => {
    for (const message of mcpReferenceProblems(agent)) context.addIssue({ code: 'custom', message, path: ['tools'] });
  });

export type AgentDefinition = z.infer<typeof AgentDefinitionSchema>;
