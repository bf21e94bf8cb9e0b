/** Small schemas several records share. Loose where other code may add fields later, so older readers keep working. */
import { z } from 'zod';

export const usageSchema = z.looseObject({
  input_tokens: z.number(),
  output_tokens: z.number(),
  cache_read_input_tokens: z.number(),
  cache_creation_input_tokens: z.number(),
});

export const textBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });

/** `{type: ...}`: the set of stop reasons grows, and a reader only needs the type to show it. */
export const stopReasonSchema = z.looseObject({ type: z.string().min(1) });

export const sessionErrorSchema = z.looseObject({
  type: z.string().min(1),
  message: z.string(),
  retry_status: z.looseObject({ type: z.string().min(1) }),
});

export const timestamp = z.string().min(1);
