/**
 * The `dream` object the API answers with (the SDK's BetaDream), built from Lucid's dream (src/domain/dream.ts)
 * and the API's record of it, plus Lucid's extras under names the API does not use: `review` and `phase`.
 */
import type { BetaDream } from '@anthropic-ai/sdk/resources/beta/dreams';
import type { Dream } from '../../domain/dream';
import { ZERO_USAGE } from '../../domain/usage';
import type { DreamApiRecord } from '../../storage/dream-registry';

/** What Lucid adds to the API's dream: how changes are decided, and where the dream is within `running`. */
export interface LucidDreamObject extends BetaDream {
  review: Dream['review'];
  phase: Dream['phase'];
}

export function dreamObject(dream: Dream, record: DreamApiRecord | null): LucidDreamObject {
  const store = { type: 'memory_store' as const, memory_store_id: dream.memory_store_id };
  return {
    type: 'dream',
    id: dream.id,
    status: dream.status,
    inputs: [store, { type: 'sessions', session_ids: [...dream.session_ids].sort() }],
    model: { id: dream.model, speed: 'standard' },
    instructions: dream.instructions,
    output_behavior:
      dream.output_behavior.type === 'update_existing'
        ? { type: 'update_existing', memory_store_id: dream.memory_store_id }
        : { type: 'create_new' },
    outputs: dream.outputs,
    // Lucid runs a dream as its own workflow, not as a session, so there is no session to stream.
    session_id: null,
    usage: {
      input_tokens: dream.usage.input_tokens,
      output_tokens: dream.usage.output_tokens,
      cache_creation_input_tokens: dream.usage.cache_creation_input_tokens,
      cache_read_input_tokens: dream.usage.cache_read_input_tokens,
    },
    error: dream.status === 'failed' ? (dream.error ?? { type: 'internal_error', message: 'the dream failed' }) : null,
    created_at: record?.created_at ?? dream.created_at,
    ended_at: dream.ended_at,
    archived_at: record?.archived_at ?? null,
    review: dream.review,
    phase: dream.phase,
  };
}

/** The dream as it is before its workflow has recorded anything: what the API started it with. */
export function pendingDream(record: DreamApiRecord & { input: NonNullable<DreamApiRecord['input']> }): Dream {
  const { input } = record;
  return {
    type: 'dream',
    id: record.id,
    status: 'pending',
    phase: 'starting',
    memory_store_id: input.memory_store_id,
    session_ids: input.sessions.type === 'session_ids' ? input.sessions.session_ids : [],
    model: input.model,
    instructions: input.instructions ?? null,
    review: input.review,
    output_behavior: input.output_behavior,
    outputs: [],
    changes: [],
    review_log: [],
    usage: { ...ZERO_USAGE },
    error: null,
    review_deadline: null,
    created_at: record.created_at,
    ended_at: null,
  };
}
