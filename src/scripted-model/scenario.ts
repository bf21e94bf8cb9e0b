/**
 * Scenario files for the scripted model: an ordered list of rules, each saying which requests it answers and
 * what it answers with. See docs/scripted-model.md for the format with examples.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LucidError } from '../errors';
import { FaultSettingsSchema, type FaultOptions } from './faults';

/** A scripted model's whole script. */
export interface Scenario {
  /** Free text for humans; ignored. */
  description?: string;
  /** Wait before answering, for rules without their own `delay_ms`. */
  default_delay_ms?: number;
  /** Tried in order; the first rule whose `match` fits and whose `times` is not used up answers. */
  rules: Rule[];
  /** Fail a seeded share of `/v1/messages` requests with 429, 529, 500, a dropped connection or a stall. */
  faults?: FaultOptions;
  /** What a request no rule matches gets; see {@link Fallback}. */
  fallback?: Fallback;
  /** The context window of every model without an entry in `context_windows`; 200,000 tokens when absent. */
  context_window?: number;
  /** Context windows per request `model`, in tokens (e.g. `{"scripted-small": 20000}`). */
  context_windows?: Record<string, number>;
}

/** The window of a model the scenario does not size, as for current Claude models. */
export const DEFAULT_SCRIPTED_CONTEXT_WINDOW = 200_000;

/** The context window, in input tokens, a scenario gives requests for `model`. */
export function contextWindowFor(scenario: Scenario, model: string): number {
  return scenario.context_windows?.[model] ?? scenario.context_window ?? DEFAULT_SCRIPTED_CONTEXT_WINDOW;
}

/**
 * The answer to a request no rule matches. `error` (the default): a 400 naming the request, so a gap in a test's
 * script fails at once. `explain`: an `end_turn` text saying that this is the scripted model and that
 * ANTHROPIC_API_KEY selects Claude, for stacks people use by hand (the demo's `--keep-running`).
 */
export const FALLBACKS = ['error', 'explain'] as const;
export type Fallback = (typeof FALLBACKS)[number];

/** One scripted answer and the requests it applies to. */
export interface Rule {
  /** Shown in logs; ignored otherwise. */
  name?: string;
  /** Which requests this rule answers; absent or `{}` answers every request. */
  match?: Match;
  /** What the model answers: content blocks, or an API error. */
  reply: Reply;
  /** How many requests this rule may answer (a use counts when the rule is chosen); unlimited when absent. */
  times?: number;
  /** Wait this long before answering. A stream sends its headers at once and spreads its events over it. */
  delay_ms?: number;
  /** Adds a text block of `text` repeated `count` times before the reply's own content (for large outputs). */
  repeat_text?: { text: string; count: number };
}

/**
 * Conditions on a request; all given fields must hold. Text fields are substring tests, so `"write"` matches
 * `"please write a file"`.
 */
export interface Match {
  /** Substring of the system prompt (a string, or its text blocks joined by newlines). */
  system?: string;
  /** Substring of the last user message's text (its string content, or its text blocks joined by newlines). */
  last_user_text?: string;
  /** Substring of the text of the last `tool_result` block in the last user message. */
  last_tool_result?: string;
  /** Substring of the raw JSON request body, as sent (so quotes inside it are escaped: `\"`). */
  request?: string;
  /** The request's `model`, exactly. */
  model?: string;
  /** The name of a tool that must be among the request's `tools`. */
  tools_include?: string;
}

/** A successful answer or an API error. */
export type Reply = ContentReply | ErrorReply;

/** A successful Messages API answer. Text and string tool inputs may use `{{n}}` and `{{request_index}}`. */
export interface ContentReply {
  content: ScriptedBlock[];
  /** Defaults to `"tool_use"` if the content has a tool_use block, else `"end_turn"`. */
  stop_reason?: StopReason;
  /** Fixed usage numbers; each given field replaces the simulated one. */
  usage?: UsageOverride;
}

/** An error answer, sent as the API's `{type: "error", error: {type, message}}` body. */
export interface ErrorReply {
  error: ScriptedError;
}

/** The HTTP error to answer with. */
export interface ScriptedError {
  /** HTTP status, 400–599 (e.g. 429 rate limited, 529 overloaded). */
  status: number;
  /** The API error type; defaults by status (429 → `rate_limit_error`, 529 → `overloaded_error`, …). */
  type?: string;
  message?: string;
  /** Seconds, sent as the `retry-after` header. */
  retry_after?: number;
}

/** A content block of a scripted reply. */
export type ScriptedBlock = ScriptedTextBlock | ScriptedToolUseBlock;

export interface ScriptedTextBlock {
  type: 'text';
  text: string;
}

export interface ScriptedToolUseBlock {
  type: 'tool_use';
  /** Generated (`toolu_…`, unique) when absent. */
  id?: string;
  name: string;
  /** Defaults to `{}`. */
  input?: Record<string, unknown>;
}

/** The stop reasons the Messages API reports. */
export const STOP_REASONS = [
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
] as const;
export type StopReason = (typeof STOP_REASONS)[number];

/** Usage numbers a rule may fix instead of the simulated ones. */
export interface UsageOverride {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

const count = z.number().int().nonnegative();
const milliseconds = z.number().nonnegative().finite();

const TextBlockSchema = z.strictObject({ type: z.literal('text'), text: z.string() });

const ToolUseBlockSchema = z.strictObject({
  type: z.literal('tool_use'),
  id: z.string().min(1).optional(),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()).optional(),
});

const UsageOverrideSchema = z.strictObject({
  input_tokens: count.optional(),
  output_tokens: count.optional(),
  cache_read_input_tokens: count.optional(),
  cache_creation_input_tokens: count.optional(),
});

const ContentReplySchema = z.strictObject({
  content: z.array(z.discriminatedUnion('type', [TextBlockSchema, ToolUseBlockSchema])),
  stop_reason: z.enum(STOP_REASONS).optional(),
  usage: UsageOverrideSchema.optional(),
});

const ErrorReplySchema = z.strictObject({
  error: z.strictObject({
    status: z.number().int().min(400).max(599),
    type: z.string().min(1).optional(),
    message: z.string().optional(),
    retry_after: milliseconds.optional(),
  }),
});

/**
 * A reply is an error reply if it has an `error` key, else a content reply. Choosing the branch up front (rather
 * than a plain union) reports the branch's own errors with their paths instead of a bare "Invalid input".
 */
const ReplySchema = z.unknown().transform((value, context): Reply => {
  const isError = typeof value === 'object' && value !== null && 'error' in value;
  const result = (isError ? ErrorReplySchema : ContentReplySchema).safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) context.addIssue({ ...issue } as Parameters<typeof context.addIssue>[0]);
  return z.NEVER;
});

const MatchSchema = z.strictObject({
  system: z.string().optional(),
  last_user_text: z.string().optional(),
  last_tool_result: z.string().optional(),
  request: z.string().optional(),
  model: z.string().optional(),
  tools_include: z.string().optional(),
});

const RuleSchema = z.strictObject({
  name: z.string().optional(),
  match: MatchSchema.optional(),
  reply: ReplySchema,
  times: z.number().int().positive().optional(),
  delay_ms: milliseconds.optional(),
  repeat_text: z.strictObject({ text: z.string(), count: count }).optional(),
});

/** Validates a scenario. Unknown keys are errors, so a misspelt field fails loudly instead of being ignored. */
export const ScenarioSchema: z.ZodType<Scenario> = z.strictObject({
  description: z.string().optional(),
  default_delay_ms: milliseconds.optional(),
  rules: z.array(RuleSchema),
  faults: FaultSettingsSchema.optional(),
  fallback: z.enum(FALLBACKS).optional(),
  context_window: z.number().int().positive().optional(),
  context_windows: z.record(z.string().min(1), z.number().int().positive()).optional(),
});

/** A scenario that failed validation; the message lists each bad field by its path. */
export class ScenarioError extends LucidError {
  readonly code = 'invalid_scenario';
  readonly fault = 'user_input';
}

/** Validates a scenario value, throwing a {@link ScenarioError} that names each bad field's path. */
export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const result = ScenarioSchema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  - ${formatPath(issue.path)}: ${issue.message}`);
  throw new ScenarioError(`invalid ${source}:\n${lines.join('\n')}`);
}

/** Reads and validates a scenario JSON file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScenarioError(`cannot read scenario file ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`scenario file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseScenario(value, `scenario file ${path}`);
}

/** `["rules", 0, "reply"]` → `rules[0].reply`. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (!path.length) return '(top level)';
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index ? '.' : ''}${String(key)}`))
    .join('');
}
