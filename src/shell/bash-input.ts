import { z } from 'zod';

/** The `bash` tool's input, as in the Managed Agents toolset (provisional: the toolset branch owns this file). */
export const BashInputSchema = z
  .object({
    command: z.string().optional(),
    restart: z.boolean().optional(),
    timeout_ms: z.number().int().positive().optional(),
  })
  .strict();
export type BashInput = z.infer<typeof BashInputSchema>;

/** Provisional definition offered to the model (the toolset branch replaces it). */
export const BASH_TOOL_DEFINITION = {
  name: 'bash',
  description:
    'Run a bash command in a persistent shell in a sandbox, with the workspace at /workspace. The working directory ' +
    'and exported variables carry over between calls; restart: true starts a fresh shell. No network.',
  input_schema: {
    type: 'object',
    properties: {
      command: { type: 'string', description: 'The command to run.' },
      restart: { type: 'boolean', description: 'Start a fresh shell first.' },
      timeout_ms: { type: 'integer', description: 'Wall-clock limit for this command in milliseconds.' },
    },
    required: [],
  },
} as const;
