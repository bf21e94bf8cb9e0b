import { z } from 'zod';
import { AgentDefinitionSchema } from './agent-definition';
import { OutcomeDefinitionSchema } from './outcome';
import { ThreadContextSchema } from './threads';
import { listPriceOf } from './list-prices';
import { DEFAULT_MEMORY_BUDGET_CHARS, MAX_ATTACHED_STORES, MemoryAttachmentSchema } from '../memory/attachments';

/** A stored file a session mounts: `mount_path` as src/workspace/mount-file.ts reads it (absent: its default). */
export const SessionFileSchema = z.strictObject({
  file_id: z.string().min(1).max(256),
  mount_path: z.string().min(1).max(4096).optional(),
});
export type SessionFile = z.infer<typeof SessionFileSchema>;

/** At most this many seconds a finished session stays idle waiting for user messages (7 days). */
export const MAX_KEEP_ALIVE_SECONDS = 7 * 24 * 3600;

/**
 * Input of the `agentSession` workflow; plain JSON so it can be typed into `temporal workflow start --input`.
 * `agent` is either the name of a definition in the agents folder or an inline definition.
 * Versions (`version`, absent means 1; a change that old inputs in history would not pass bumps it):
 * - 1: agent, message, workspace, keep_alive_seconds, outcome, memory_stores, memory_budget_chars, thread;
 *   later, without a bump (all optional, and an input without them means what it always did): lifecycle, budget,
 *   allowed_hosts, files, custom_tool_wait_seconds.
 */
export const SessionInputSchema = z
  .object({
    version: z.literal(1, { error: 'this worker reads session input version 1' }).optional(),
    agent: z.union([z.string().min(1).max(255), AgentDefinitionSchema]),
    /** The first user message; only a session with `lifecycle: "api"` may start without one (it starts idle). */
    message: z.string().min(1, 'message must not be empty').max(1_000_000).optional(),
    /**
     * `api`: the Managed Agents lifecycle. The session waits idle between turns for as long as it takes, at no
     * cost, and ends only when archived (or deleted); keep_alive_seconds does not apply. Absent: the session ends
     * once it has been idle for keep_alive_seconds.
     */
    lifecycle: z.literal('api').optional(),
    /**
     * The most the session's own model requests may cost at list prices (src/domain/list-prices.ts), in US cents.
     * Once reached, the turn stops with `budget_reached` and later turns stop before any model request.
     */
    budget: z.strictObject({ max_cost_cents: z.number().int().min(0) }).optional(),
    workspace: z.string().min(1).max(4096).optional(),
    /**
     * The hosts the session's `bash` sandbox may reach (its API environment's allowlist, environment-sandbox.ts),
     * in place of the worker's LUCID_NETWORK_ALLOWED_HOSTS; empty: no network. Absent: the worker's.
     */
    allowed_hosts: z.array(z.string().min(1).max(255)).max(256).optional(),
    /** Stored files (the Files API's) copied into the workspace before the first turn, each at its mount path. */
    files: z.array(SessionFileSchema).max(100).optional(),
    keep_alive_seconds: z.number().int().min(0).max(MAX_KEEP_ALIVE_SECONDS).default(0),
    /** What the agent should produce and the rubric a separate grader checks it against. */
    outcome: OutcomeDefinitionSchema.optional(),
    /** Memory stores the agent reads at start (and may update through its memory tool where access allows). */
    memory_stores: z.array(MemoryAttachmentSchema).max(MAX_ATTACHED_STORES).default([]),
    /** Characters of memory content the system prompt may hold; the index of every store is always included. */
    memory_budget_chars: z.number().int().min(0).max(400_000).default(DEFAULT_MEMORY_BUDGET_CHARS),
    /**
     * The longest a custom tool call waits for the client's `user.custom_tool_result` before it ends as a tool
     * error the model sees (absent: DEFAULT_CUSTOM_TOOL_WAIT_SECONDS, one hour).
     */
    custom_tool_wait_seconds: z.number().int().min(1).max(MAX_KEEP_ALIVE_SECONDS).optional(),
    /** Set by a lead agent when it starts this session as a thread (a sub-agent's session). */
    thread: ThreadContextSchema.optional(),
  })
  .strict()
  .refine((input) => input.message !== undefined || input.lifecycle === 'api', {
    message: 'a message is required (only a session with lifecycle "api" starts idle without one)',
    path: ['message'],
  })
  .refine((input) => !input.budget || listPriceOf(typeof input.agent === 'string' ? '' : input.agent.model), {
    message: 'a budget needs an inline agent whose model has a list price (model_not_budgetable)',
    path: ['budget'],
  })
  .refine((input) => input.lifecycle !== 'api' || input.keep_alive_seconds === 0, {
    message: 'an API session (lifecycle "api") stays until it is archived: keep_alive_seconds does not apply',
    path: ['keep_alive_seconds'],
  });

export type SessionInput = z.input<typeof SessionInputSchema>;
export type ParsedSessionInput = z.output<typeof SessionInputSchema>;

/** Renders zod issues as one readable line per problem, e.g. `message: message must not be empty`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(input)'}: ${issue.message}`)
    .join('; ');
}

/** The longest title and context a document block may carry (Lucid's bounds: the SDK's types set none). */
export const MAX_DOCUMENT_TITLE_LENGTH = 500;
export const MAX_DOCUMENT_CONTEXT_LENGTH = 100_000;

const TextBlockSchema = z.strictObject({ type: z.literal('text'), text: z.string().min(1).max(1_000_000) });
const ImageBlockSchema = z.strictObject({
  type: z.literal('image'),
  source: z.strictObject({ type: z.literal('file'), file_id: z.string().min(1).max(256) }),
});
const DocumentBlockSchema = z.strictObject({
  type: z.literal('document'),
  source: z.strictObject({ type: z.literal('file'), file_id: z.string().min(1).max(256) }),
  title: z.string().max(MAX_DOCUMENT_TITLE_LENGTH).optional(),
  context: z.string().max(MAX_DOCUMENT_CONTEXT_LENGTH).optional(),
  estimated_tokens: z.number().int().min(0),
});
export const UserContentBlockSchema = z.discriminatedUnion('type', [
  TextBlockSchema,
  ImageBlockSchema,
  DocumentBlockSchema,
]);

/**
 * A user message: `{text}` (what every recorded history and the Temporal CLI send), or `{content}` blocks, text
 * and images and documents by file id (the API's events.send, once it has stored any base64 image or document in
 * the file store).
 */
export const UserMessageSchema = z
  .object({
    text: z.string().min(1).max(1_000_000).optional(),
    content: z.array(UserContentBlockSchema).min(1).max(100).optional(),
  })
  .strict()
  .refine((message) => (message.text === undefined) !== (message.content === undefined), {
    message: 'a user message has either text or content, not both and not neither',
  });
export type UserMessage = z.infer<typeof UserMessageSchema>;
