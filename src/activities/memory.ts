/** Memory in sessions: the system-prompt block at session start, and the agent's memory tool. */
import { redactText, secretsFromEnvironment } from '../domain/redact';
import { InvalidSessionInputError } from '../errors';
import type { AttachedStore, MemoryAttachment } from '../memory/attachments';
import { MemoryError } from '../memory/errors';
import { memoryPromptBlock, type LoadedStore } from '../memory/memory-prompt';
import type { MemoryStoreRepository } from '../memory/memory-store';
import { runMemoryTool as runTool, type MemoryToolOutcome } from '../memory/memory-tool';
import { withActivityBoundary } from './boundary';
import type { MemoryJournal } from '../storage/memory-journal';

export function createMemoryActivities({
  memory,
  memoryJournal,
  secrets = secretsFromEnvironment(),
}: {
  memory: MemoryStoreRepository;
  memoryJournal: (sessionId: string) => MemoryJournal;
  secrets?: string[];
}) {
  /** Reads the attached stores once, at session start; an unknown or archived-for-writing store fails the session. */
  async function loadMemoryContext({
    attachments,
    budget_chars,
  }: {
    attachments: MemoryAttachment[];
    budget_chars: number;
  }): Promise<{ prompt: string; stores: AttachedStore[] }> {
    const loaded: LoadedStore[] = [];
    for (const attachment of attachments) {
      try {
        const store = await memory.getStore(attachment.memory_store_id);
        if (store.archived_at && attachment.access === 'read_write') {
          throw new InvalidSessionInputError(`memory store ${store.id} is archived; attach it read_only`);
        }
        loaded.push({ store, attachment, memories: await memory.listMemories(store.id, { include_content: true }) });
      } catch (error) {
        // A busy store is worth a retry; any other store error means the session's input is wrong.
        if (MemoryError.isInstance(error) && error.fault === 'user_input') {
          throw new InvalidSessionInputError(`invalid session input: ${error.message}`, { cause: error });
        }
        throw error;
      }
    }
    return {
      prompt: redactText(memoryPromptBlock(loaded, budget_chars), secrets),
      stores: loaded.map(({ store, attachment }) => ({
        memory_store_id: store.id,
        name: store.name,
        access: attachment.access,
      })),
    };
  }

  async function runMemoryTool(input: {
    sessionId: string;
    toolUseId: string;
    stores: AttachedStore[];
    input: unknown;
  }): Promise<MemoryToolOutcome> {
    const outcome = await runTool({
      repository: memory,
      stores: input.stores,
      input: redactInput(input.input, secrets),
      actor: { type: 'session_actor', session_id: input.sessionId },
      journal: memoryJournal(input.sessionId),
      callId: input.toolUseId,
    });
    return { ...outcome, content: redactText(outcome.content, secrets) };
  }

  return withActivityBoundary({ loadMemoryContext, runMemoryTool }, { secrets });
}

/** Secrets never land in memory, even when the agent tries to write one. */
function redactInput(input: unknown, secrets: string[]): unknown {
  if (!input || typeof input !== 'object') return input;
  return Object.fromEntries(
    Object.entries(input).map(([key, value]) => [
      key,
      typeof value === 'string' && key !== 'path' && key !== 'old_str' ? redactText(value, secrets) : value,
    ]),
  );
}
