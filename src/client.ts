/**
 * A small typed client for other services: start a session, send it messages, read its events, await its
 * result. Sessions are `agentSession` workflows; the session id is the workflow id.
 */
import {
  type Client,
  WorkflowNotFoundError,
  WorkflowUpdateStage,
  type WorkflowHandle,
  type WorkflowUpdateHandle,
} from '@temporalio/client';
import { taskQueue as defaultTaskQueue } from './config';
import { connectClient } from './connection';
import type { SessionEvent, SessionSnapshot, ToolEvaluation, UserContentBlock } from './domain/events';
import { newSessionId } from './domain/ids';
import { sessionSummary } from './domain/session-summary';
import { InvalidDreamInputError, InvalidSessionInputError } from './errors';
import { SessionInputSchema, describeIssues, type SessionInput } from './domain/session-input';
import { openStorage, storageConfig, type Storage } from './storage/open-storage';
import type { OutcomeDefinitionInput } from './domain/outcome';
import { DreamInputSchema, type BulkDecision, type ChangeDecision, type Dream, type DreamInput } from './domain/dream';
import { randomIdBody } from './domain/ids';
import type { agentSession } from './workflows/agent-session';
import type { dream as dreamWorkflow } from './workflows/dream';
import {
  approveAllUpdate,
  approveChangeUpdate,
  DREAM_WORKFLOW,
  dreamQuery,
  rejectAllUpdate,
  rejectChangeUpdate,
  type DecidedChange,
} from './workflows/api/dream-api';
import {
  AGENT_SESSION_WORKFLOW,
  archiveUpdate,
  customToolResultUpdate,
  toolConfirmationUpdate,
  defineOutcomeUpdate,
  eventsQuery,
  interruptUpdate,
  snapshotQuery,
  userMessageUpdate,
  type AcceptedEvent,
  type CustomToolResult,
  type ToolConfirmation,
} from './workflows/api/session-api';

export interface LucidClientOptions {
  client: Client;
  taskQueue?: string;
  /** Where finished sessions and dreams are read from (the worker's LUCID_DATA_DIR), when `storage` is not given. */
  dataDir?: string;
  /** The workers' storage (src/storage/open-storage.ts); by default `openStorage` on `dataDir` or LUCID_DATA_DIR. */
  storage?: Storage;
}

export interface StartSessionOptions extends SessionInput {
  /** The session (workflow) id; a fresh `sesn_` id by default. */
  sessionId?: string;
}

export class LucidClient {
  readonly temporal: Client;
  /** The queue its workers serve: the API lists the sessions started on it. */
  readonly taskQueue: string;
  /** The storage the workers write: finished sessions, dream records and memory stores are read through it. */
  readonly storage: Storage;

  constructor({ client, taskQueue, dataDir, storage }: LucidClientOptions) {
    this.temporal = client;
    this.taskQueue = taskQueue ?? defaultTaskQueue();
    this.storage = storage ?? openStorage(dataDir ? { dataDir } : storageConfig());
  }

  // -- Dreams ------------------------------------------------------------------------------------------------

  /** Starts a dream over finished sessions; returns its `drm_` id (the workflow id). */
  async startDream(input: DreamInput, dreamId = `drm_${randomIdBody(Math.random)}`): Promise<string> {
    const parsed = DreamInputSchema.safeParse(input);
    if (!parsed.success) throw new InvalidDreamInputError(`invalid dream input: ${describeIssues(parsed.error)}`);
    await this.temporal.workflow.start<typeof dreamWorkflow>(DREAM_WORKFLOW, {
      workflowId: dreamId,
      taskQueue: this.taskQueue,
      args: [input],
      staticSummary: `dream over ${input.memory_store_id}`,
    });
    return dreamId;
  }

  /** The live dream while it runs (or waits for review), else its saved record. */
  async dream(dreamId: string): Promise<Dream | null> {
    if (await this.isRunning(dreamId)) {
      try {
        return await this.temporal.workflow.getHandle(dreamId).query(dreamQuery);
      } catch {
        // no worker answered; the record saved at the dream's last step is the best we have
      }
    }
    return this.storage.dreams.readDream(dreamId);
  }

  async dreamResult(dreamId: string): Promise<Dream> {
    return this.temporal.workflow.getHandle<typeof dreamWorkflow>(dreamId).result();
  }

  /**
   * Review decisions are Updates: each answers once the dream has taken it, with the change's new state, and one
   * that cannot apply (no such change, already decided, not awaiting review) fails with WorkflowUpdateFailedError.
   */
  async approveChange(dreamId: string, decision: ChangeDecision): Promise<DecidedChange> {
    return this.temporal.workflow.getHandle(dreamId).executeUpdate(approveChangeUpdate, { args: [decision] });
  }

  async rejectChange(dreamId: string, decision: ChangeDecision): Promise<DecidedChange> {
    return this.temporal.workflow.getHandle(dreamId).executeUpdate(rejectChangeUpdate, { args: [decision] });
  }

  /** Approves every change still pending; answers with each change it decided. */
  async approveAll(dreamId: string, decision: BulkDecision = {}): Promise<DecidedChange[]> {
    return this.temporal.workflow.getHandle(dreamId).executeUpdate(approveAllUpdate, { args: [decision] });
  }

  async rejectAll(dreamId: string, decision: BulkDecision = {}): Promise<DecidedChange[]> {
    return this.temporal.workflow.getHandle(dreamId).executeUpdate(rejectAllUpdate, { args: [decision] });
  }

  /** Connects with the environment's Temporal settings (see src/connection.ts). */
  static async connect(options: Omit<LucidClientOptions, 'client'> = {}): Promise<LucidClient> {
    return new LucidClient({ ...options, client: await connectClient() });
  }

  /** Starts a session; the input is validated here too so a caller gets the error before anything starts. */
  async startSession({ sessionId, ...input }: StartSessionOptions): Promise<string> {
    const parsed = SessionInputSchema.safeParse(input);
    if (!parsed.success) throw new InvalidSessionInputError(`invalid session input: ${describeIssues(parsed.error)}`);
    const id = sessionId ?? newSessionId();
    const agentName = typeof input.agent === 'string' ? input.agent : input.agent.name;
    await this.temporal.workflow.start<typeof agentSession>(AGENT_SESSION_WORKFLOW, {
      workflowId: id,
      taskQueue: this.taskQueue,
      args: [input],
      staticSummary: input.message === undefined ? `${agentName}: idle` : sessionSummary(agentName, input.message),
    });
    return id;
  }

  /**
   * Session requests are Updates: each answers with the event it was accepted as (`{event_id, seq}`), and one the
   * session cannot take (malformed, session ended, nothing to interrupt) fails with WorkflowUpdateFailedError, its
   * cause an ApplicationFailure whose type is one of SessionRequestRejection.
   */
  async sendMessage(sessionId: string, text: string): Promise<AcceptedEvent> {
    return this.handle(sessionId).executeUpdate(userMessageUpdate, { args: [{ text }] });
  }

  /**
   * A user message of content blocks (text, images and documents by file id). Text alone goes as `{text}`, its
   * blocks joined by blank lines, which every worker reads; only a message with an image or a document needs a
   * worker that takes `content`.
   */
  async sendContent(sessionId: string, content: readonly UserContentBlock[]): Promise<AcceptedEvent> {
    const texts = content.flatMap((block) => (block.type === 'text' ? [block.text] : []));
    if (texts.length === content.length) return this.sendMessage(sessionId, texts.join('\n\n'));
    return this.handle(sessionId).executeUpdate(userMessageUpdate, { args: [{ content: [...content] }] });
  }

  /** Gives a running (or idle, kept-alive) session an outcome; answers once the session has taken it up. */
  async defineOutcome(sessionId: string, outcome: OutcomeDefinitionInput): Promise<AcceptedEvent> {
    return this.handle(sessionId).executeUpdate(defineOutcomeUpdate, { args: [outcome] });
  }

  /**
   * Like {@link defineOutcome}, but resolves as soon as the session has validated and accepted the outcome; the
   * handle's `result()` answers once the session has taken it up, before the agent's next model request.
   */
  async startOutcome(sessionId: string, outcome: OutcomeDefinitionInput): Promise<WorkflowUpdateHandle<AcceptedEvent>> {
    return this.handle(sessionId).startUpdate(defineOutcomeUpdate, {
      args: [outcome],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
  }

  /** Stops the running turn at its next safe point; rejected (SessionNotRunning) when no turn runs. */
  async interrupt(sessionId: string): Promise<AcceptedEvent> {
    return this.handle(sessionId).executeUpdate(interruptUpdate);
  }

  /**
   * Answers a custom tool call the session waits for (its `agent.custom_tool_use` event id); answers with the
   * `user.custom_tool_result` event. Rejected (InvalidSessionRequest), changing nothing, for an id no call waits
   * under or a malformed result.
   */
  async sendCustomToolResult(sessionId: string, result: CustomToolResult): Promise<AcceptedEvent> {
    return this.handle(sessionId).executeUpdate(customToolResultUpdate, { args: [result] });
  }

  /**
   * Allows or denies a tool call that waits for a confirmation (`tool_use_id` is its `agent.tool_use` or
   * `agent.mcp_tool_use` event id); answers with the `user.tool_confirmation` event. `decided_by` is logged as who
   * decided (default "temporal"). Rejected (InvalidSessionRequest), changing nothing, for an id no confirmation
   * waits under.
   */
  async confirmToolUse(sessionId: string, confirmation: ToolConfirmation): Promise<AcceptedEvent> {
    return this.handle(sessionId).executeUpdate(toolConfirmationUpdate, { args: [confirmation] });
  }

  /**
   * The calls a session waits on a user's answer for (its `requires_action`): custom tool calls to answer with
   * {@link sendCustomToolResult} and tool uses to allow or deny with {@link confirmToolUse}. Empty when none waits.
   */
  async pendingCalls(sessionId: string): Promise<PendingCall[]> {
    const snapshot = await this.snapshot(sessionId);
    const stop = snapshot?.stop_reason;
    if (snapshot?.status !== 'idle' || stop?.type !== 'requires_action') return [];
    const waiting = new Set(stop.event_ids);
    const calls: PendingCall[] = [];
    for (const event of await this.readEvents(sessionId, { limit: snapshot.event_count + 1 })) {
      if (!waiting.has(event.id)) continue;
      if (event.type === 'agent.custom_tool_use')
        calls.push({ event_id: event.id, kind: 'custom_tool_result', name: event.name, input: event.input });
      else if (event.type === 'agent.tool_use' || event.type === 'agent.mcp_tool_use')
        calls.push({
          event_id: event.id,
          kind: 'tool_confirmation',
          name: toolNameOf(event),
          input: event.input,
          ...(event.evaluation ? { evaluation: event.evaluation } : {}),
        });
    }
    return calls;
  }

  /**
   * Archives the session: an idle one ends at once, a running one once its turn is interrupted; answers with its
   * final snapshot. Rejected (SessionEnded) when it has ended already.
   */
  async archive(sessionId: string): Promise<SessionSnapshot> {
    await this.handle(sessionId).executeUpdate(archiveUpdate);
    return this.result(sessionId);
  }

  /** Waits for the session to end and returns its final snapshot. */
  async result(sessionId: string): Promise<SessionSnapshot> {
    return this.handle(sessionId).result();
  }

  /** The live snapshot of a running session, or the stored one of a finished session. */
  async snapshot(sessionId: string): Promise<SessionSnapshot | null> {
    try {
      const description = await this.handle(sessionId).describe();
      if (description.status.name === 'RUNNING') return await this.handle(sessionId).query(snapshotQuery);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    return this.storage.sessions.readSnapshot(sessionId);
  }

  /**
   * Events with seq > afterSeq: persisted ones from the store, then any the running workflow holds that are not
   * persisted yet.
   */
  async readEvents(sessionId: string, { afterSeq = 0, limit = 1000 } = {}): Promise<SessionEvent[]> {
    const stored = await this.storage.sessions.readEvents(sessionId, { afterSeq, limit });
    if (stored.length >= limit) return stored;
    const lastSeq = stored.length ? stored[stored.length - 1].seq : afterSeq;
    const live = await this.liveEvents(sessionId, lastSeq, limit - stored.length);
    return [...stored, ...live];
  }

  /** Yields events as they happen until the session's workflow closes. */
  async *streamEvents(sessionId: string, { afterSeq = 0, pollMs = 250 } = {}): AsyncGenerator<SessionEvent> {
    let lastSeq = afterSeq;
    for (;;) {
      const events = await this.readEvents(sessionId, { afterSeq: lastSeq });
      for (const event of events) {
        lastSeq = event.seq;
        yield event;
      }
      if (events.length === 0 && !(await this.isRunning(sessionId))) {
        const rest = await this.readEvents(sessionId, { afterSeq: lastSeq });
        for (const event of rest) yield event;
        return;
      }
      if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  async isRunning(sessionId: string): Promise<boolean> {
    try {
      return (await this.handle(sessionId).describe()).status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  private async liveEvents(sessionId: string, afterSeq: number, limit: number): Promise<SessionEvent[]> {
    if (!(await this.isRunning(sessionId))) return [];
    try {
      const page = await this.handle(sessionId).query(eventsQuery, { after_seq: afterSeq, limit });
      return page.events;
    } catch {
      return []; // no worker to answer the query right now; persisted events are still served
    }
  }

  private handle(sessionId: string): WorkflowHandle<typeof agentSession> {
    return this.temporal.workflow.getHandle<typeof agentSession>(sessionId);
  }
}

/** A call waiting for a user: `kind` names the answer it takes (`user.custom_tool_result` or `user.tool_confirmation`). */
export interface PendingCall {
  event_id: string;
  kind: 'custom_tool_result' | 'tool_confirmation';
  name: string;
  input: Record<string, unknown>;
  /** A confirmation's policy: always_ask, or the auto judge's verdict and reason when it gave none. */
  evaluation?: ToolEvaluation;
}

function toolNameOf(event: Extract<SessionEvent, { type: 'agent.tool_use' | 'agent.mcp_tool_use' }>): string {
  return event.type === 'agent.mcp_tool_use' ? `${event.mcp_server_name}/${event.name}` : event.name;
}
