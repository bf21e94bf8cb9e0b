import { z } from 'zod';

/** Tool names an agent may list; the workspace tools are implemented in src/workspace/tools.ts. */
export const AGENT_TOOL_NAMES = ['read_file', 'write_file', 'edit_file', 'list_files', 'grep'] as const;

export const DEFAULT_MAX_TURNS = 50;
export const MAX_MAX_TURNS = 10_000;

/** An agent: which model it uses, how it is told to behave, and which tools it may call. */
export const AgentDefinitionSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-" only'),
    model: z.string().min(1).max(256),
    system: z.string().max(100_000).default(''),
    tools: z.array(z.enum(AGENT_TOOL_NAMES)).max(AGENT_TOOL_NAMES.length).default([]),
    max_turns: z.number().int().min(1).max(MAX_MAX_TURNS).default(DEFAULT_MAX_TURNS),
    max_tokens: z.number().int().min(1).max(128_000).default(8192),
    description: z.string().max(2048).optional(),
  })
  .strict();

export type AgentDefinition = z.infer<typeof AgentDefinitionSchema>;
