import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { MEMORY_TOOL_NAME, MemoryToolInputSchema } from './attachments';

/** The `memory` tool as the model sees it, naming the attached stores and their access. */
export function memoryToolDefinition(
  stores: Array<{ name: string; access: 'read_only' | 'read_write' }>,
): Anthropic.Tool {
  const { $schema: _schema, ...schema } = z.toJSONSchema(MemoryToolInputSchema) as Record<string, unknown>;
  return {
    name: MEMORY_TOOL_NAME,
    description:
      'Read and maintain your long-term memory: small notes, one topic each, kept across sessions. view a memory ' +
      '(or a folder, path ending in /), create one, replace a unique string in one, or delete one. Record lessons ' +
      'that will help future sessions; never store secrets.\n' +
      `Attached stores: ${stores.map((store) => `${store.name} (${store.access})`).join(', ')}`,
    input_schema: schema as Anthropic.Tool.InputSchema,
  };
}
