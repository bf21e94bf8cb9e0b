import { z } from 'zod';

/** `agent_` and the id body Lucid makes (src/domain/ids.ts); anything else cannot name an agent. */
export const AgentIdSchema = z.string().regex(/^agent_[1-9A-HJ-NP-Za-km-z]{1,64}$/, 'not an agent id (agent_...)');
