import Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import type { SessionEvent } from '../domain/events';
import { buildTranscript, withCacheBreakpoints } from '../domain/transcript';
import type { Usage } from '../domain/usage';
import type { PromptStore } from '../storage/prompt-store';
import type { FileStore } from '../storage/file-store';
import type { SessionStore } from '../storage/session-store';
import type { ToolJournal } from '../storage/tool-journal';
import { withJournaledResults } from './journaled-results';
import { toolDefinitions } from '../workspace/tools';
import type { UserToolDefinition } from '../domain/user-tools';
import { delegateToolDefinition } from '../domain/delegate-tool';
import { memoryToolDefinition } from '../memory/memory-tool-definition';
import type { RosterEntry } from '../domain/threads';
import { toModelFailure } from './model-errors';
import { usageOf } from '../domain/model-replies';
import { redactDeep, secretsFromEnvironment } from '../domain/redact';
import { withActivityBoundary } from './boundary';
import type { DeltaSpool } from '../storage/delta-spool';
import type { ModelStreamEvent } from '../domain/event-deltas';
import { DeltaPreview } from './delta-preview';
import { withFileBytes } from './file-sourced-blocks';
import { type EventLogCache, eventLogCacheFromEnvironment } from './event-log-cache';

export interface CallModelInput {
  sessionId: string;
  model: string;
  /** The system prompt inline: sessions from before the `prompt-by-reference` patch. */
  system?: string;
  /** The system prompt by reference: its hash in the prompt store (storeSystemPrompt put it there). */
  system_sha256?: string;
  tools: string[];
  max_tokens: number;
  /** The roster, when the agent may delegate: adds the `delegate` tool. */
  delegate?: RosterEntry[];
  /** Attached memory stores: adds the `memory` tool. */
  memory_stores?: Array<{ name: string; access: 'read_only' | 'read_write' }>;
  /** Tools the agent's users define (src/domain/user-tools.ts), offered after Lucid's; absent: none. */
  user_tools?: UserToolDefinition[];
  /** The transcript is every persisted event up to and including this seq. */
  throughSeq: number;
  /**
   * Events the workflow has not persisted yet (the newest ones, ending at `throughSeq`): stored first, so a turn
   * needs no activity of its own for the log. Writing them again on a retry rewrites the same seqs.
   */
  events?: SessionEvent[];
  /** Tool results at or below this seq go to the model as placeholders (`span.context_cleared`); absent: none. */
  clearedThroughSeq?: number;
  /** Seqs of handed-over tool results whose content is read from the tool journal (journaled-results.ts). */
  tool_results_in_journal?: number[];
}

export type ModelContentBlock =
  { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export interface CallModelResult {
  content: ModelContentBlock[];
  stop_reason: string | null;
  usage: Usage;
}

const CACHED_PROMPTS = 64;

/**
 * The model activity. Its input is small and constant in size: the transcript is rebuilt from the event log
 * in the store, never shipped through workflow history. The worker keeps an in-memory copy of session logs
 * (./event-log-cache.ts) so a long session reads only the events that are new since its previous request.
 */
export function createModelActivities({
  store,
  prompts,
  files,
  toolJournal,
  deltas,
  client,
  secrets = secretsFromEnvironment(),
  withheldTools = [],
  eventCache = eventLogCacheFromEnvironment(),
}: {
  store: SessionStore;
  prompts: PromptStore;
  /** Where the images of user messages are kept (by file id in the events). */
  files: FileStore;
  toolJournal: (sessionId: string) => ToolJournal;
  /** Where live-text previews go for the API server's streams (outside workflow history); none without it. */
  deltas?: DeltaSpool;
  client?: Anthropic;
  secrets?: string[];
  /** Tools this worker cannot run, left out of its requests whatever the agent lists. */
  withheldTools?: readonly string[];
  /** Default: sized from LUCID_EVENT_CACHE_MB. */
  eventCache?: EventLogCache;
}) {
  const anthropic = client ?? createAnthropicClient();
  const promptCache = new Map<string, string>();

  /** The system prompt, inline or from the store; a prompt is read from disk once per worker while it is used. */
  async function systemPrompt(input: CallModelInput): Promise<string> {
    if (input.system_sha256 === undefined) {
      if (input.system === undefined) throw new Error('callModel needs the system prompt: system or system_sha256');
      return input.system;
    }
    const hash = input.system_sha256;
    const text = promptCache.get(hash) ?? (await prompts.get(hash));
    // A storage fault (the data directory lost its prompts): retried like one, then a visible session error.
    if (text === null) throw new Error(`system prompt ${hash} is not in the prompt store`);
    promptCache.delete(hash); // re-insert to keep Map order = least recently used first
    promptCache.set(hash, text);
    if (promptCache.size > CACHED_PROMPTS) promptCache.delete(promptCache.keys().next().value as string);
    return text;
  }

  /** Stores the events handed over by the workflow and, when they follow on from the cache, remembers them. */
  async function persistHandedOver(sessionId: string, events: SessionEvent[]): Promise<void> {
    if (events.length === 0) return;
    await store.appendEvents(sessionId, events);
    eventCache.extend(sessionId, events);
  }

  async function eventsThrough(sessionId: string, throughSeq: number): Promise<SessionEvent[]> {
    const cached = eventCache.get(sessionId) ?? [];
    const lastSeq = cached.at(-1)?.seq ?? 0;
    if (lastSeq >= throughSeq) return cached.filter((event) => event.seq <= throughSeq);
    const fresh = (await store.readEvents(sessionId, { afterSeq: lastSeq })).filter((event) => event.seq <= throughSeq);
    const events = [...cached, ...fresh];
    eventCache.extend(sessionId, fresh); // after the copy: extending pushes onto the cached array
    return events;
  }

  async function callModel(input: CallModelInput): Promise<CallModelResult> {
    const journaled = input.tool_results_in_journal ?? [];
    const journal = toolJournal(input.sessionId);
    await persistHandedOver(
      input.sessionId,
      await withJournaledResults(input.events ?? [], journaled, journal, secrets),
    );
    const events = await eventsThrough(input.sessionId, input.throughSeq);
    const tools = input.tools.filter((name) => !withheldTools.includes(name));
    const request = modelRequest({ ...input, tools, system: await systemPrompt(input) }, events);
    const messages = await withFileBytes(request.messages, files);
    const context = Context.current();
    const preview = deltas && new DeltaPreview(deltas, input.sessionId, input.throughSeq, secrets);
    try {
      const stream = anthropic.messages.stream(
        {
          model: input.model,
          max_tokens: input.max_tokens,
          messages,
          ...(request.system ? { system: request.system } : {}),
          ...(request.tools.length ? { tools: request.tools } : {}),
        },
        { signal: context.cancellationSignal },
      );
      stream.on('streamEvent', (event) => {
        context.heartbeat();
        preview?.take(event as ModelStreamEvent);
      });
      const message = await stream.finalMessage();
      await preview?.flushed();
      return {
        content: redactDeep(message.content.flatMap(toModelBlock), secrets),
        stop_reason: message.stop_reason,
        usage: usageOf(message),
      };
    } catch (error) {
      // Every model API error goes back to the workflow typed and non-retryable: the workflow owns those retries.
      throw toModelFailure(error);
    }
  }

  return withActivityBoundary({ callModel }, { secrets });
}

/** The request a model call sends for these events: the compaction activity measures it the same way. */
export function modelRequest(
  input: Omit<CallModelInput, 'throughSeq' | 'events' | 'system' | 'system_sha256'> & { system: string },
  events: readonly SessionEvent[],
) {
  return withCacheBreakpoints({
    system: input.system,
    tools: [
      ...(toolDefinitions(input.tools) as Anthropic.Tool[]),
      ...(input.delegate ? [delegateToolDefinition(input.delegate)] : []),
      ...(input.memory_stores?.length ? [memoryToolDefinition(input.memory_stores)] : []),
      ...((input.user_tools ?? []) as Anthropic.Tool[]),
    ],
    messages: buildTranscript(events, { clearedThroughSeq: input.clearedThroughSeq }),
  });
}

function toModelBlock(block: Anthropic.ContentBlock): ModelContentBlock[] {
  if (block.type === 'text') return [{ type: 'text', text: block.text }];
  if (block.type === 'tool_use') {
    const input = block.input && typeof block.input === 'object' ? (block.input as Record<string, unknown>) : {};
    return [{ type: 'tool_use', id: block.id, name: block.name, input }];
  }
  return []; // thinking and server-tool blocks are not requested by Lucid sessions
}

/** Credentials come from the environment only; SDK retries are off because Temporal and the workflow own them. */
export function createAnthropicClient(env: NodeJS.ProcessEnv = process.env): Anthropic {
  return new Anthropic({
    apiKey: env.ANTHROPIC_API_KEY ?? null,
    baseURL: env.ANTHROPIC_BASE_URL || undefined,
    maxRetries: 0,
    timeout: 10 * 60 * 1000,
  });
}
