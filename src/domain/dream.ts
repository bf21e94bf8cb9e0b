/**
 * Dreams: a background review of an agent's finished sessions that proposes small, evidenced changes to a memory
 * store. Types and schemas shared by the dream workflow, its activities, the client and the CLI.
 */
import { z } from 'zod';
import type { EvidenceProvenance } from '../dreams/provenance';
import type { Usage } from './usage';

export const DEFAULT_REVIEW_DEADLINE_SECONDS = 7 * 24 * 3600;
export const MAX_DREAM_SESSIONS = 100;

const SessionIdSchema = z.string().min(1).max(512);

/** Which sessions a dream reads: explicit ids, or the agent's sessions completed since the store's last dream. */
export const DreamSessionsSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('session_ids'),
      session_ids: z
        .array(SessionIdSchema)
        .min(1)
        .max(MAX_DREAM_SESSIONS)
        .refine((ids) => new Set(ids).size === ids.length, 'session ids must be unique'),
    })
    .strict(),
  z
    .object({
      type: z.literal('since_last_dream'),
      agent: z.string().min(1).max(255),
      /** A run that finds fewer new sessions ends at once, without a model call. */
      min_sessions: z.number().int().min(1).max(MAX_DREAM_SESSIONS).default(1),
    })
    .strict(),
]);

/**
 * Input of the `dream` workflow. Versions (`version`, absent means 1; a change that old inputs in history would
 * not pass bumps it):
 * - 1: memory_store_id, sessions, instructions, model, review, review_deadline_seconds, output_behavior,
 *   max_parallel_reflections, transcript_budget_chars.
 */
export const DreamInputSchema = z
  .object({
    version: z.literal(1, { error: 'this worker reads dream input version 1' }).optional(),
    memory_store_id: z.string().min(1).max(255),
    sessions: DreamSessionsSchema,
    instructions: z.string().min(1).max(4096).optional(),
    model: z.string().min(1).max(256),
    /** `auto` applies the change set at once; `human` waits for a decision on each change. */
    review: z.enum(['auto', 'human']).default('human'),
    review_deadline_seconds: z
      .number()
      .int()
      .min(1)
      .max(90 * 24 * 3600)
      .default(DEFAULT_REVIEW_DEADLINE_SECONDS),
    output_behavior: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('create_new') }).strict(),
        z.object({ type: z.literal('update_existing') }).strict(),
      ])
      .default({ type: 'create_new' }),
    /** Sessions reflected on at once. */
    max_parallel_reflections: z.number().int().min(1).max(16).default(4),
    /** Characters of one session's condensed transcript a reflection may read. */
    transcript_budget_chars: z.number().int().min(2_000).max(400_000).default(60_000),
  })
  .strict();
export type DreamInput = z.input<typeof DreamInputSchema>;
export type ParsedDreamInput = z.output<typeof DreamInputSchema>;

/** Where a lesson comes from: a session and the event sequence numbers that show it. */
export interface Evidence {
  session_id: string;
  seqs: number[];
}

/** What one reflection learned from one session. */
export interface Lesson {
  /** One self-contained sentence or two, phrased as guidance for the agent's future sessions. */
  text: string;
  kind: 'mistake' | 'success_pattern' | 'preference' | 'fact';
  evidence: Evidence[];
}

export type DreamChangeOperation =
  | { op: 'add'; path: string; content: string }
  | { op: 'edit'; path: string; old_string: string; new_string: string }
  | { op: 'merge'; paths: string[]; into_path: string; content: string }
  | { op: 'delete'; path: string };

export type DreamChangeStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'applied' | 'conflicted';

/** One proposed change: small, typed, with its reason and evidence. */
export type DreamChange = DreamChangeOperation & {
  id: string;
  rationale: string;
  evidence: Evidence[];
  /** Distinct sessions supporting the change; changes are ranked by it. */
  support: number;
  /**
   * What Lucid found at each cited seq (src/dreams/provenance.ts), read from the event log by an activity, never
   * taken from the model. A cited seq with no content-bearing event is left out: it is no evidence. Absent on
   * changes of dreams from before the `dream-evidence-provenance` patch, and on records saved before it.
   */
  provenance?: EvidenceProvenance[];
  /**
   * False when the change has no verified evidence or only tool output: it then waits for a human decision even
   * under `review: auto`. Set together with `provenance`.
   */
  trusted?: boolean;
  /**
   * The content hash of each memory the change touches, as the dream read it (null for a path that did not
   * exist). A change whose target moved on since is `conflicted`, never applied over someone else's edit.
   */
  base_sha256: Record<string, string | null>;
  /** Unified diff of the change against the store as the dream read it. */
  diff: string;
  status: DreamChangeStatus;
  decision: { by: string; comment: string | null; at: string } | null;
  /** Why it was not applied, for `conflicted`. */
  status_detail: string | null;
};

export type DreamStatus = 'pending' | 'running' | 'completed' | 'failed' | 'canceled';

/** The dream object, as in the Managed Agents API plus Lucid's review state. */
export interface Dream {
  type: 'dream';
  id: string;
  status: DreamStatus;
  /** `awaiting_review` while a human review is open; `skipped` when too few sessions were new. */
  phase: 'starting' | 'reading' | 'consolidating' | 'awaiting_review' | 'applying' | 'done' | 'skipped';
  memory_store_id: string;
  session_ids: string[];
  model: string;
  instructions: string | null;
  review: 'auto' | 'human';
  output_behavior: { type: 'create_new' } | { type: 'update_existing' };
  outputs: Array<{ type: 'memory_store'; memory_store_id: string }>;
  changes: DreamChange[];
  /** Every review decision received, accepted or ignored, with who sent it. */
  review_log: Array<{
    at: string;
    by: string;
    decision: 'approved' | 'rejected';
    change_id: string | null;
    result: string;
  }>;
  usage: Usage;
  error: { type: string; message: string } | null;
  review_deadline: string | null;
  created_at: string;
  ended_at: string | null;
}

/** A review decision sent by signal: `dream.approve` / `dream.reject` name one change; the `_all` ones all pending. */
export const ChangeDecisionSchema = z
  .object({
    change_id: z.string().min(1).max(64),
    comment: z.string().max(4096).optional(),
    /** Who decided (a user name or id); recorded with the decision. */
    by: z.string().min(1).max(255).default('unknown'),
  })
  .strict();
export type ChangeDecision = z.input<typeof ChangeDecisionSchema>;

export const BulkDecisionSchema = ChangeDecisionSchema.omit({ change_id: true });
export type BulkDecision = z.input<typeof BulkDecisionSchema>;
