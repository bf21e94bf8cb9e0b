import { z } from 'zod';

/** Rubric text limit, as in the Managed Agents API. */
export const MAX_RUBRIC_CHARS = 262_144;
export const DEFAULT_MAX_ITERATIONS = 3;
export const MAX_MAX_ITERATIONS = 20;

export const RubricSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), content: z.string().min(1).max(MAX_RUBRIC_CHARS) }).strict(),
  z.object({ type: z.literal('file'), path: z.string().min(1).max(4096) }).strict(),
]);
export type Rubric = z.infer<typeof RubricSchema>;

/**
 * What "good enough" looks like: given in the session input (`outcome`) or by the `user.define_outcome` signal.
 * `hide_rubric` keeps the rubric from the agent, which then sees only the description and the grader's feedback.
 */
export const OutcomeDefinitionSchema = z
  .object({
    description: z.string().min(1).max(100_000),
    rubric: RubricSchema,
    max_iterations: z.number().int().min(1).max(MAX_MAX_ITERATIONS).default(DEFAULT_MAX_ITERATIONS),
    grader_model: z.string().min(1).max(256).optional(),
    hide_rubric: z.boolean().default(false),
  })
  .strict()
  .refine((outcome) => !(outcome.hide_rubric && outcome.rubric.type === 'file'), {
    message: 'a hidden rubric must be given as text: a rubric file in the workspace is readable by the agent',
    path: ['hide_rubric'],
  });
export type OutcomeDefinitionInput = z.input<typeof OutcomeDefinitionSchema>;
export type OutcomeDefinition = z.output<typeof OutcomeDefinitionSchema>;

/** The grader's verdict, reported through its `submit_verdict` tool. */
export const VerdictSchema = z
  .object({
    result: z.enum(['satisfied', 'needs_revision', 'failed']),
    explanation: z.string().min(1).max(20_000),
    criteria: z
      .array(
        z
          .object({
            criterion: z.string().min(1).max(2_000),
            met: z.boolean(),
            explanation: z.string().min(1).max(5_000),
          })
          .strict(),
      )
      .min(1)
      .max(200),
  })
  .strict();
export type Verdict = z.infer<typeof VerdictSchema>;
export type CriterionVerdict = Verdict['criteria'][number];

/**
 * Results an evaluation can end with. `grader_error` is Lucid's own: the grader gave no valid verdict within its
 * attempts; it is terminal and never counts as a pass.
 */
export type EvaluationResult =
  'satisfied' | 'needs_revision' | 'max_iterations_reached' | 'failed' | 'interrupted' | 'grader_error';

/** An outcome's state in `outcome_evaluations[]`: in progress, or the final result. */
export type OutcomeState = 'pending' | 'running' | 'evaluating' | Exclude<EvaluationResult, 'needs_revision'>;

export const TERMINAL_OUTCOME_STATES: ReadonlySet<OutcomeState> = new Set([
  'satisfied',
  'max_iterations_reached',
  'failed',
  'interrupted',
  'grader_error',
]);

/** One entry of the session's `outcome_evaluations[]` (Managed Agents `outcome_evaluation` resource). */
export interface OutcomeEvaluation {
  type: 'outcome_evaluation';
  outcome_id: string;
  description: string;
  result: OutcomeState;
  /** 0-based revision cycle the outcome is on. */
  iteration: number;
  max_iterations: number;
  explanation: string | null;
  completed_at: string | null;
}
