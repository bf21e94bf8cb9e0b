import { z } from 'zod';

/** A memory store attached to a session. */
export const MemoryAttachmentSchema = z
  .object({
    memory_store_id: z.string().min(1).max(255),
    access: z.enum(['read_only', 'read_write']).default('read_write'),
    /** How the agent should use this store; shown with the store in the system prompt. */
    instructions: z.string().max(4096).optional(),
  })
  .strict();
export type MemoryAttachmentInput = z.input<typeof MemoryAttachmentSchema>;
export type MemoryAttachment = z.output<typeof MemoryAttachmentSchema>;

export const MAX_ATTACHED_STORES = 8;
export const DEFAULT_MEMORY_BUDGET_CHARS = 20_000;

/** A store as the session knows it after loading: enough to route the memory tool. */
export interface AttachedStore {
  memory_store_id: string;
  name: string;
  access: 'read_only' | 'read_write';
}

/** The memory tool's input, validated in the activity. */
export const MemoryToolInputSchema = z
  .object({
    command: z
      .enum(['view', 'create', 'str_replace', 'delete'])
      .describe(
        'view a memory or list a folder, create (or overwrite) a memory, replace a string in one, or delete one',
      ),
    store: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe('Name or id of the memory store; may be left out when only one is attached'),
    path: z
      .string()
      .min(1)
      .max(1024)
      .describe('Memory path such as /lessons/testing.md; for view, a folder ending in / lists it'),
    content: z.string().optional().describe('create: the full content'),
    old_str: z.string().optional().describe('str_replace: the exact text to replace (must occur once)'),
    new_str: z.string().optional().describe('str_replace: the replacement'),
  })
  .strict();
export type MemoryToolInput = z.infer<typeof MemoryToolInputSchema>;

export const MEMORY_TOOL_NAME = 'memory';
