/**
 * The events a client sends (`events.send`, and `initial_events` on create), read into the requests Lucid's
 * session workflow takes. A whole batch is read before any of it is applied, so one bad event refuses the batch
 * and nothing reaches the session. What Lucid cannot take yet is refused by name, never dropped. An outcome's
 * file rubric (`{type: "file", file_id}`) is read here, as the batch is, and passed on as its text. A message's
 * images and documents are checked as it is read (message-content.ts); those sent with their content are stored
 * as files once the whole batch is good, and the session is sent their file ids.
 */
import { z } from 'zod';
import type { FileStore } from '../../storage/file-store';
import { FileIdSchema } from '../files/file-params';
import { fileRubricText } from '../files/file-rubric';
import { describeIssues } from '../../domain/session-input';
import { OutcomeDefinitionSchema, type OutcomeDefinitionInput } from '../../domain/outcome';
import { invalidRequest } from '../api-error';
import type { UserContentBlock } from '../../domain/events';
import { readMessageContent, storeUploads, type ReadBlock } from './message-content';
import { CustomToolResultSchema, type CustomToolResult } from '../../domain/custom-tools';
import { ToolConfirmationSchema, type ToolConfirmation } from '../../domain/tool-confirmations';

export type SessionRequest =
  | { type: 'user.message'; content: UserContentBlock[] }
  | { type: 'user.interrupt' }
  | { type: 'user.define_outcome'; outcome: OutcomeDefinitionInput }
  | { type: 'user.custom_tool_result'; result: CustomToolResult }
  | { type: 'user.tool_confirmation'; confirmation: ToolConfirmation };

/** What `initial_events` may hold, as the API allows: the events that give the session work. */
export const INITIAL_EVENT_TYPES = ['user.message', 'user.define_outcome'] as const;
const SENDABLE_EVENT_TYPES = [
  'user.message',
  'user.interrupt',
  'user.define_outcome',
  'user.custom_tool_result',
  'user.tool_confirmation',
] as const;

const NOT_YET: Record<string, string> = {
  'user.tool_result': 'tool results from the client are only for self-hosted environments, which Lucid does not offer',
  'system.message': 'system messages are not supported by Lucid yet',
};

const TypedSchema = z.looseObject({ type: z.string() });
const UserMessageSchema = z.strictObject({
  type: z.literal('user.message'),
  content: z.array(TypedSchema).min(1).max(100),
});
const UserInterruptSchema = z.strictObject({
  type: z.literal('user.interrupt'),
  session_thread_id: z.string().nullish(),
});
const CustomToolResultEventSchema = CustomToolResultSchema.extend({ type: z.literal('user.custom_tool_result') });
// The API's shape: `decided_by` is Lucid's, set by the server from the caller, never taken from the client.
const ToolConfirmationEventSchema = z.strictObject({
  type: z.literal('user.tool_confirmation'),
  tool_use_id: z.string().min(1).max(256),
  result: z.enum(['allow', 'deny']),
  deny_message: z.string().max(10_000).nullish(),
});
const DefineOutcomeSchema = z.strictObject({
  type: z.literal('user.define_outcome'),
  description: z.string().min(1).max(100_000),
  rubric: TypedSchema,
  max_iterations: z.number().int().min(1).max(20).nullish(),
});

/** The requests in `events` (named `part` in messages), or an invalid_request_error for the first bad one. */
export async function readSessionEvents(
  files: FileStore,
  events: readonly unknown[],
  part: 'events' | 'initial_events',
  allowed: readonly string[] = part === 'initial_events' ? INITIAL_EVENT_TYPES : SENDABLE_EVENT_TYPES,
): Promise<SessionRequest[]> {
  const read: ReadRequest[] = [];
  for (const [index, event] of events.entries()) read.push(await readEvent(files, event, `${part}.${index}`, allowed));
  const requests: SessionRequest[] = [];
  for (const request of read) {
    requests.push(
      request.type === 'user.message'
        ? { type: request.type, content: await storeUploads(files, request.content) }
        : request,
    );
  }
  return requests;
}

/** A request as read, before its images and documents are stored. */
type ReadRequest = Exclude<SessionRequest, { type: 'user.message' }> | { type: 'user.message'; content: ReadBlock[] };

async function readEvent(files: FileStore, raw: unknown, at: string, allowed: readonly string[]): Promise<ReadRequest> {
  const typed = TypedSchema.safeParse(raw);
  if (!typed.success) throw invalidRequest(`${at}: an event is an object with a "type"`);
  const type = typed.data.type;
  if (NOT_YET[type]) throw invalidRequest(`${at}: ${type}: ${NOT_YET[type]}`);
  if (!allowed.includes(type)) {
    throw invalidRequest(`${at}: ${JSON.stringify(type)} is not an event this takes (${allowed.join(', ')})`);
  }
  switch (type) {
    case 'user.message':
      return {
        type,
        content: await readMessageContent(files, parse(UserMessageSchema, raw, at).content, `${at}.content`),
      };
    case 'user.interrupt': {
      const interrupt = parse(UserInterruptSchema, raw, at);
      if (interrupt.session_thread_id) {
        throw invalidRequest(`${at}: session_thread_id: interrupting one thread is not supported by Lucid yet`);
      }
      return { type };
    }
    case 'user.custom_tool_result': {
      const { type: _type, ...result } = parse(CustomToolResultEventSchema, raw, at);
      return { type, result };
    }
    case 'user.tool_confirmation': {
      const { type: _type, ...confirmation } = parse(ToolConfirmationEventSchema, raw, at);
      // The workflow's own rule (deny_message only with deny), checked here so the batch is refused first.
      return { type, confirmation: parse(ToolConfirmationSchema, confirmation, at) };
    }
    default:
      return { type: 'user.define_outcome', outcome: await outcomeOf(files, parse(DefineOutcomeSchema, raw, at), at) };
  }
}

const TextRubricSchema = z.strictObject({ type: z.literal('text'), content: z.string() });
const FileRubricSchema = z.strictObject({ type: z.literal('file'), file_id: FileIdSchema });

async function outcomeOf(
  files: FileStore,
  event: z.infer<typeof DefineOutcomeSchema>,
  at: string,
): Promise<OutcomeDefinitionInput> {
  const rubric =
    event.rubric.type === 'file'
      ? { type: 'text' as const, content: await fileRubric(files, event.rubric, `${at}.rubric`) }
      : parse(TextRubricSchema, event.rubric, `${at}.rubric`);
  const outcome: OutcomeDefinitionInput = {
    description: event.description,
    rubric,
    ...(event.max_iterations == null ? {} : { max_iterations: event.max_iterations }),
  };
  // The workflow's own rules (rubric length, iterations), checked here so the batch is refused before it applies.
  const checked = OutcomeDefinitionSchema.safeParse(outcome);
  if (!checked.success) throw invalidRequest(`${at}: ${describeIssues(checked.error)}`);
  return outcome;
}

/** The text of a file rubric, read now: a later change or delete of the file does not change the outcome. */
async function fileRubric(files: FileStore, raw: unknown, at: string): Promise<string> {
  const { file_id } = parse(FileRubricSchema, raw, at);
  return fileRubricText(files, file_id, `${at}.file_id`);
}

function parse<S extends z.ZodType>(schema: S, value: unknown, at: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(`${at}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
