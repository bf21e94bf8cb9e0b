/**
 * The dream workflow's I/O edge: finding sessions, reflecting on each (a model loop), proposing a change set (a
 * model loop), copying and holding memory stores, applying approved changes, and saving the dream record.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { Context } from '@temporalio/activity';
import type { Dream, DreamChange, Lesson } from '../domain/dream';
import type { SessionEvent } from '../domain/events';
import type { ParsedDreamInput } from '../domain/dream';
import { secretsFromEnvironment } from '../domain/redact';
import { addUsage, ZERO_USAGE, type Usage } from '../domain/usage';
import { applyDreamChange as applyChange } from '../dreams/apply-change';
import { previewChange, proposeChanges } from '../dreams/consolidate';
import { classifyEvidence, isUntrusted, type EvidenceProvenance } from '../dreams/provenance';
import { memoryIndexOf, reflectOnSession as reflect } from '../dreams/reflect';
import type { MemoryStoreRepository } from '../memory/memory-store';
import type { DreamRegistry } from '../storage/dream-registry';
import type { SessionStore } from '../storage/session-store';
import { MemoryStoreHeldError, SessionNotFoundError } from '../errors';
import { AGENT_SESSION_WORKFLOW } from '../workflows/api/session-api';
import { withActivityBoundary } from './boundary';

/** The most sessions one "since last dream" run reads, as for explicit ids. */
const MAX_SESSIONS = 100;

export interface DreamActivityDependencies {
  store: SessionStore;
  memory: MemoryStoreRepository;
  dreams: DreamRegistry;
  anthropic: Anthropic;
  secrets?: string[];
}

export function createDreamActivities({
  store,
  memory,
  dreams,
  anthropic,
  secrets = secretsFromEnvironment(),
}: DreamActivityDependencies) {
  /** Explicit ids are checked against the event log; "since last dream" asks Temporal's visibility API. */
  async function findDreamSessions({
    memory_store_id,
    sessions,
  }: {
    memory_store_id: string;
    sessions: ParsedDreamInput['sessions'];
  }): Promise<{ session_ids: string[] }> {
    await memory.getStore(memory_store_id); // a MemoryNotFoundError fails the dream at once
    if (sessions.type === 'session_ids') {
      for (const sessionId of sessions.session_ids) {
        if ((await store.readEvents(sessionId, { limit: 1 })).length === 0) {
          throw new SessionNotFoundError(`session ${sessionId} has no event log to read`);
        }
      }
      return { session_ids: [...sessions.session_ids].sort() };
    }
    const since = await dreams.lastDreamAt(memory_store_id);
    const clauses = [
      `WorkflowType = "${AGENT_SESSION_WORKFLOW}"`,
      `LucidAgent = "${sessions.agent.replace(/"/g, '')}"`,
      `ExecutionStatus = "Completed"`,
      `LucidParentSession IS NULL`,
      ...(since ? [`CloseTime > "${since}"`] : []),
    ];
    const found: string[] = [];
    for await (const execution of Context.current().client.workflow.list({ query: clauses.join(' AND ') })) {
      found.push(execution.workflowId);
      if (found.length >= MAX_SESSIONS) break;
    }
    return { session_ids: [...new Set(found)].sort() };
  }

  async function reflectOnSession(input: {
    dream_id: string;
    session_id: string;
    memory_store_id: string;
    model: string;
    instructions?: string;
    budget_chars: number;
  }): Promise<{ lessons: Lesson[]; usage: Usage }> {
    const events = await store.readEvents(input.session_id);
    const memories = await memory.listMemories(input.memory_store_id, { include_content: true });
    const memoryIndex = memoryIndexOf(memories);
    return reflect(
      {
        sessionId: input.session_id,
        events,
        memoryIndex,
        instructions: input.instructions,
        model: input.model,
        budgetChars: input.budget_chars,
      },
      {
        anthropic,
        secrets,
        signal: Context.current().cancellationSignal,
        heartbeat: () => Context.current().heartbeat(),
      },
    );
  }

  async function proposeDreamChanges(input: {
    dream_id: string;
    memory_store_id: string;
    lessons: Lesson[];
    model: string;
    instructions?: string;
  }): Promise<{ changes: DreamChange[]; usage: Usage }> {
    if (input.lessons.length === 0) return { changes: [], usage: ZERO_USAGE };
    const memories = await memory.listMemories(input.memory_store_id, { include_content: true });
    const proposal = await proposeChanges(
      { lessons: input.lessons, memories, instructions: input.instructions, model: input.model },
      {
        anthropic,
        secrets,
        signal: Context.current().cancellationSignal,
        heartbeat: () => Context.current().heartbeat(),
      },
    );
    const byPath = new Map(memories.map((item) => [item.path, item]));
    const changes = proposal.changes.map((change, index): DreamChange => ({
      ...change,
      ...previewChange(change, byPath),
      id: `chg_${index + 1}`,
      status: 'pending',
      decision: null,
      status_detail: null,
    }));
    return { changes, usage: addUsage(ZERO_USAGE, proposal.usage) };
  }

  /**
   * Lucid's own reading of each change's evidence, from the cited sessions' event logs: what kind each cited seq
   * is, and whether the change is trusted. In the order of `changes`.
   */
  async function classifyDreamEvidence({
    changes,
  }: {
    changes: Array<Pick<DreamChange, 'id' | 'evidence'>>;
  }): Promise<Array<{ id: string; provenance: EvidenceProvenance[]; trusted: boolean }>> {
    const sessionIds = new Set(changes.flatMap((change) => change.evidence.map((item) => item.session_id)));
    const eventsBySession = new Map<string, SessionEvent[]>();
    for (const sessionId of sessionIds) eventsBySession.set(sessionId, await store.readEvents(sessionId));
    return changes.map(({ id, evidence }) => {
      const provenance = classifyEvidence(evidence, eventsBySession);
      return { id, provenance, trusted: !isUntrusted(provenance) };
    });
  }

  /** `create_new`: a copy of the input store; idempotent, so a retried activity returns the same copy. */
  async function copyMemoryStore({
    memory_store_id,
    dream_id,
  }: {
    memory_store_id: string;
    dream_id: string;
  }): Promise<{ memory_store_id: string }> {
    const existing = (await dreams.readDream(dream_id))?.outputs[0]?.memory_store_id;
    if (existing) return { memory_store_id: existing };
    const source = await memory.getStore(memory_store_id);
    const copy = await memory.createStore({
      name: `${source.name} (dream ${dream_id})`.slice(0, 255),
      description: source.description,
    });
    const actor = { type: 'dream_actor' as const, dream_id, change_id: 'copy' };
    for (const item of await memory.listMemories(memory_store_id, { include_content: true })) {
      await memory.writeMemory(copy.id, { path: item.path, content: item.content ?? '' }, actor);
    }
    const record = await dreams.readDream(dream_id);
    if (record) await dreams.saveDream({ ...record, outputs: [{ type: 'memory_store', memory_store_id: copy.id }] });
    return { memory_store_id: copy.id };
  }

  async function applyDreamChange({
    memory_store_id,
    dream_id,
    change,
  }: {
    memory_store_id: string;
    dream_id: string;
    change: DreamChange;
  }) {
    return applyChange(memory, memory_store_id, change, { type: 'dream_actor', dream_id, change_id: change.id });
  }

  /** Only one `update_existing` dream may hold a store at a time; a second gets a clear conflict error. */
  async function holdMemoryStore({
    memory_store_id,
    dream_id,
  }: {
    memory_store_id: string;
    dream_id: string;
  }): Promise<void> {
    const client = Context.current().client;
    const isRunning = async (holder: string) => {
      try {
        return (await client.workflow.getHandle(holder).describe()).status.name === 'RUNNING';
      } catch {
        return false;
      }
    };
    const holder = await dreams.hold(memory_store_id, dream_id, isRunning);
    if (holder) {
      throw new MemoryStoreHeldError(
        `memory store ${memory_store_id} is held by dream ${holder.dream_id} (update_existing) since ${holder.since}; wait for it to end or cancel it`,
      );
    }
  }

  async function releaseMemoryStore({
    memory_store_id,
    dream_id,
  }: {
    memory_store_id: string;
    dream_id: string;
  }): Promise<void> {
    await dreams.release(memory_store_id, dream_id);
  }

  async function saveDream(dream: Dream): Promise<void> {
    await dreams.saveDream(dream);
  }

  return withActivityBoundary(
    {
      findDreamSessions,
      reflectOnSession,
      proposeDreamChanges,
      classifyDreamEvidence,
      copyMemoryStore,
      applyDreamChange,
      holdMemoryStore,
      releaseMemoryStore,
      saveDream,
    },
    { secrets },
  );
}
