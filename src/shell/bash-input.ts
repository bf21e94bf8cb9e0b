import { z } from 'zod';

/**
 * The `bash` tool's input, as the Managed Agents API's `agent_toolset_20260401` defines it
 * (BetaManagedAgentsAgentToolset20260401BashInput): `command` to run in the session's persistent shell, or
 * `restart: true` (with no command) for a fresh shell; `timeout_ms` bounds the call (absent or 0: the default).
 */
export const BashInputSchema = z
  .object({
    command: z.string().optional().describe('The shell command to run. Omit only when restart is true.'),
    restart: z
      .boolean()
      .optional()
      .describe('When true, restart the persistent shell instead of running a command; later calls use the new one.'),
    timeout_ms: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Timeout for this call in milliseconds; absent or 0 means the worker's default."),
  })
  .refine((input) => input.command !== undefined || input.restart === true, {
    message: 'give a command, or restart: true',
  });

export type BashInput = z.infer<typeof BashInputSchema>;
