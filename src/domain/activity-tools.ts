import { z } from 'zod';
import { ToolInputSchemaSchema, UserToolNameSchema } from './user-tools';

/**
 * Tools served by Temporal activities, Lucid's own kind of user tool: `{type: "temporal_activity", ...}` in an
 * agent's `tools`. The model's call becomes an activity of `activity_type` scheduled on the team's `task_queue`,
 * run by the team's own worker (any Temporal SDK language); src/workflows/activity-tools.ts runs it and
 * docs/tools.md ("Tools served by Temporal activities") is the contract. Pure and deterministic: workflow code
 * calls it.
 */

export const ACTIVITY_TOOL_TYPE = 'temporal_activity';

/** Durations: a number of seconds, or a string of digits and a unit as the Temporal CLI writes them ("30s", "5m"). */
const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DAY_MS = 24 * 3_600_000;

/** A duration in milliseconds, from one that {@link durationSchema} accepted (NaN for anything else). */
export function durationMs(duration: number | string): number {
  if (typeof duration === 'number') return Math.round(duration * 1_000);
  const match = DURATION_PATTERN.exec(duration);
  return match ? Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]) : NaN;
}

/** A duration from `minMs` up to `maxMs`. */
function durationSchema(minMs: number, maxMs: number) {
  return z
    .union([
      z.number().positive(),
      z.string().regex(DURATION_PATTERN, 'a duration: seconds, or e.g. "30s", "5m", "1h"'),
    ])
    .refine(
      (duration) => {
        const ms = durationMs(duration);
        // A malformed duration has its own message already.
        return Number.isNaN(ms) || (ms >= minMs && ms <= maxMs);
      },
      { message: `must be between ${minMs / 1_000} s and ${maxMs / 3_600_000} h` },
    );
}

/** Temporal's retry policy, the part a tool may set; names as in Temporal's API, in snake case. */
export const ActivityToolRetrySchema = z
  .object({
    initial_interval: durationSchema(100, DAY_MS).optional(),
    backoff_coefficient: z.number().min(1).max(100).optional(),
    maximum_interval: durationSchema(100, DAY_MS).optional(),
    /** At least 1: an unlimited policy would hold a failing call (and its session) forever. */
    maximum_attempts: z.number().int().min(1).max(1_000).optional(),
    non_retryable_error_types: z.array(z.string().min(1).max(256)).max(64).optional(),
  })
  .strict()
  .refine(
    (retry) =>
      !retry.initial_interval ||
      !retry.maximum_interval ||
      durationMs(retry.maximum_interval) >= durationMs(retry.initial_interval),
    { message: 'maximum_interval must not be below initial_interval', path: ['maximum_interval'] },
  );

export const DEFAULT_START_TO_CLOSE_SECONDS = 60;
const boundedName = z.string().min(1).max(256);

export const ActivityToolSchema = z
  .object({
    type: z.literal(ACTIVITY_TOOL_TYPE),
    name: UserToolNameSchema,
    description: z.string().max(10_000),
    input_schema: ToolInputSchemaSchema,
    activity_type: boundedName,
    task_queue: boundedName,
    /** One attempt's limit; default 60 s. */
    start_to_close_timeout: durationSchema(1_000, DAY_MS).optional(),
    /** The whole call's limit, waiting for a worker included; absent: the call waits for the team's worker. */
    schedule_to_close_timeout: durationSchema(1_000, 7 * DAY_MS).optional(),
    /** When set, an attempt that does not heartbeat this often is lost (e.g. with its worker) and retried. */
    heartbeat_timeout: durationSchema(1_000, DAY_MS).optional(),
    retry: ActivityToolRetrySchema.optional(),
  })
  .strict();
export type ActivityTool = z.infer<typeof ActivityToolSchema>;

/** The activity's one argument: the model's input, and ids that let the team's activity be idempotent. */
export interface ActivityToolInput {
  input: Record<string, unknown>;
  session_id: string;
  tool_use_id: string;
  tool_name: string;
}

/** Largest result the model is shown, as other tools' output (src/workspace/tools.ts MAX_OUTPUT_CHARS). */
export const MAX_ACTIVITY_RESULT_CHARS = 32_000;

/** The agent's tool of this name if it is served by an activity. */
export function activityToolNamed(tools: readonly unknown[], name: string): ActivityTool | undefined {
  return activityTools(tools).find((tool) => tool.name === name);
}

export function activityTools(tools: readonly unknown[]): ActivityTool[] {
  return tools.filter(
    (entry): entry is ActivityTool =>
      typeof entry === 'object' && entry !== null && (entry as { type?: unknown }).type === ACTIVITY_TOOL_TYPE,
  );
}

/** The activity's return value as the model's tool result: a string as is, anything else as JSON; bounded. */
export function activityResultText(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : value === undefined
        ? '(the activity returned no value)'
        : JSON.stringify(value);
  if (text.length <= MAX_ACTIVITY_RESULT_CHARS) return text;
  return `${text.slice(0, MAX_ACTIVITY_RESULT_CHARS)}\n[output truncated: showed ${MAX_ACTIVITY_RESULT_CHARS} of ${text.length} characters]`;
}

/** Temporal activity options for a tool: its timeouts and retry policy, Lucid's defaults where it sets none. */
export function activityToolOptions(tool: ActivityTool) {
  const retry = tool.retry ?? {};
  return {
    taskQueue: tool.task_queue,
    startToCloseTimeout: durationMs(tool.start_to_close_timeout ?? DEFAULT_START_TO_CLOSE_SECONDS),
    ...(tool.schedule_to_close_timeout ? { scheduleToCloseTimeout: durationMs(tool.schedule_to_close_timeout) } : {}),
    ...(tool.heartbeat_timeout ? { heartbeatTimeout: durationMs(tool.heartbeat_timeout) } : {}),
    retry: {
      initialInterval: durationMs(retry.initial_interval ?? 1),
      backoffCoefficient: retry.backoff_coefficient ?? 2,
      // Temporal's default maximum interval is 100 times the initial one.
      ...(retry.maximum_interval ? { maximumInterval: durationMs(retry.maximum_interval) } : {}),
      maximumAttempts: retry.maximum_attempts ?? DEFAULT_MAXIMUM_ATTEMPTS,
      ...(retry.non_retryable_error_types ? { nonRetryableErrorTypes: retry.non_retryable_error_types } : {}),
    },
  };
}

/** Lucid's tool activities try 5 times; so does a team's unless it says otherwise. */
export const DEFAULT_MAXIMUM_ATTEMPTS = 5;
