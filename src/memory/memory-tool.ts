/**
 * The agent's `memory` tool: view, create, edit (string replace) and delete memories in attached stores. Every
 * problem is a tool error the agent sees. Writes are versions attributed to the session, guarded by a content
 * hash precondition, and exactly-once under activity retry through a small per-call journal.
 */
import { describeIssues } from '../domain/session-input';
import { LucidError } from '../errors';
import type { MemoryIntent as Intent, MemoryJournal } from '../storage/memory-journal';
import type { ToolOutcome } from '../workspace/tools';
import { MemoryError } from './errors';
import { MemoryToolInputSchema, type AttachedStore, type MemoryToolInput } from './attachments';
import { contentSha256, type MemoryActor, type MemoryStoreRepository } from './memory-store';

export type MemoryToolOutcome = ToolOutcome;

export interface RunMemoryToolOptions {
  repository: MemoryStoreRepository;
  stores: AttachedStore[];
  input: unknown;
  actor: MemoryActor;
  /** Where this call records its intent and result, so a retried call never applies twice. */
  journal: MemoryJournal;
  /** The model's tool_use id, which names the journal entry. */
  callId: string;
}

export async function runMemoryTool(options: RunMemoryToolOptions): Promise<MemoryToolOutcome> {
  const parsed = MemoryToolInputSchema.safeParse(options.input);
  if (!parsed.success) return failure(`Invalid input for memory: ${describeIssues(parsed.error)}`);
  const input = parsed.data;
  try {
    const store = chooseStore(options.stores, input.store);
    if (input.command === 'view')
      return { is_error: false, content: await view(options.repository, store, input.path) };
    if (store.access === 'read_only') return failure(`Memory store "${store.name}" is read-only in this session`);
    return await writeOnce(options, store, input);
  } catch (error) {
    if (MemoryError.isInstance(error) || ToolInputError.isInstance(error)) return failure(error.message);
    throw error;
  }
}

/** A memory tool call the model got wrong (no such store, a missing argument); the model is told and can fix it. */
class ToolInputError extends LucidError {
  readonly code = 'invalid_tool_input';
  readonly fault = 'model';
}

function failure(content: string): MemoryToolOutcome {
  return { is_error: true, content };
}

function chooseStore(stores: AttachedStore[], requested: string | undefined): AttachedStore {
  if (stores.length === 0) throw new ToolInputError('No memory store is attached to this session');
  if (!requested) {
    if (stores.length === 1) return stores[0];
    throw new ToolInputError(
      `Several memory stores are attached; name one in "store": ${stores.map((store) => store.name).join(', ')}`,
    );
  }
  const store = stores.find((candidate) => candidate.memory_store_id === requested || candidate.name === requested);
  if (!store)
    throw new ToolInputError(
      `No attached memory store "${requested}" (attached: ${stores.map((candidate) => candidate.name).join(', ')})`,
    );
  return store;
}

async function view(repository: MemoryStoreRepository, store: AttachedStore, memoryPath: string): Promise<string> {
  if (memoryPath.endsWith('/')) {
    const memories = await repository.listMemories(store.memory_store_id, { path_prefix: memoryPath });
    if (memories.length === 0) return `(no memories under ${memoryPath})`;
    return memories.map((memory) => `${memory.path} (${memory.content_size_bytes} bytes)`).join('\n');
  }
  const memory = await repository.getMemoryByPath(store.memory_store_id, memoryPath);
  return memory.content ?? '';
}

/** Applies a write once: a retry after a crash finds the journal and the store already in the intended state. */
async function writeOnce(
  options: RunMemoryToolOptions,
  store: AttachedStore,
  input: MemoryToolInput,
): Promise<MemoryToolOutcome> {
  const journaled = await options.journal.read(options.callId);
  if (journaled?.state === 'done') return { is_error: false, content: journaled.result };
  if (
    journaled &&
    (await currentSha(options.repository, journaled.store_id, journaled.path)) === journaled.after_sha256
  ) {
    await options.journal.write(options.callId, { ...journaled, state: 'done' });
    return { is_error: false, content: journaled.result };
  }
  const { repository, actor } = options;
  const storeId = store.memory_store_id;
  const before = await repository.getMemoryByPath(storeId, input.path).catch(notFoundAsNull);
  let intent: Intent;
  let apply: () => Promise<unknown>;
  switch (input.command) {
    case 'create': {
      if (input.content === undefined) throw new ToolInputError('create needs "content"');
      const content = input.content;
      intent = {
        state: 'pending',
        result: `${before ? 'Overwrote' : 'Created'} ${input.path}`,
        after_sha256: contentSha256(content),
        store_id: storeId,
        path: input.path,
      };
      // Guarded either way: by the hash read, or as create-only when nothing was there.
      const guard = before ? { expected_content_sha256: before.content_sha256 } : { if_absent: true };
      apply = () => repository.writeMemory(storeId, { path: input.path, content, ...guard }, actor);
      break;
    }
    case 'str_replace': {
      if (input.old_str === undefined || input.new_str === undefined)
        throw new ToolInputError('str_replace needs "old_str" and "new_str"');
      if (!before) throw new ToolInputError(`No memory at ${input.path}`);
      const current = before.content ?? '';
      const occurrences = current.split(input.old_str).length - 1;
      if (input.old_str.length === 0 || occurrences !== 1) {
        throw new ToolInputError(`old_str must occur exactly once in ${input.path}; it occurs ${occurrences} times`);
      }
      const content = current.replace(input.old_str, () => input.new_str as string);
      intent = {
        state: 'pending',
        result: `Edited ${input.path}`,
        after_sha256: contentSha256(content),
        store_id: storeId,
        path: input.path,
      };
      apply = () =>
        repository.updateMemory(storeId, before.id, { content, expected_content_sha256: before.content_sha256 }, actor);
      break;
    }
    case 'delete': {
      if (!before) throw new ToolInputError(`No memory at ${input.path}`);
      intent = {
        state: 'pending',
        result: `Deleted ${input.path}`,
        after_sha256: null,
        store_id: storeId,
        path: input.path,
      };
      apply = () =>
        repository.deleteMemory(storeId, before.id, { expected_content_sha256: before.content_sha256 }, actor);
      break;
    }
    default: {
      const unreachable: 'view' = input.command; // view returned earlier; the schema allows no other command
      throw new ToolInputError(`Unknown command ${unreachable}`);
    }
  }
  await options.journal.write(options.callId, intent);
  await apply();
  await options.journal.write(options.callId, { ...intent, state: 'done' });
  return { is_error: false, content: intent.result };
}

async function currentSha(
  repository: MemoryStoreRepository,
  storeId: string,
  memoryPath: string,
): Promise<string | null> {
  const memory = await repository.getMemoryByPath(storeId, memoryPath).catch(notFoundAsNull);
  return memory?.content_sha256 ?? null;
}

function notFoundAsNull(error: unknown): null {
  if (error instanceof MemoryError && error.code === 'not_found_error') return null;
  throw error;
}
