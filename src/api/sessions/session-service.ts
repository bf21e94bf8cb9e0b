/**
 * What the session routes do: a session is an `agentSession` workflow with the API's lifecycle (it starts idle,
 * waits idle between turns, ends when archived) plus the record the API keeps of it (session-record-store.ts).
 * Every check is made before anything is written or started, so a refused request leaves everything as it was.
 */
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { BetaManagedAgentsSession } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import type { BetaManagedAgentsSendSessionEvents } from '@anthropic-ai/sdk/resources/beta/sessions/events';
import type { LucidClient, StartSessionOptions } from '../../client';
import type { AgentDefinition } from '../../domain/agent-definition';
import type { SessionEvent, SessionSnapshot } from '../../domain/events';
import { FailureType } from '../../domain/failure-types';
import { newSessionId } from '../../domain/ids';
import { listPriceOf } from '../../domain/list-prices';
import type { Storage } from '../../storage/open-storage';
import type { SessionRecord } from '../../storage/session-record-store';
import { ApiError, invalidRequest, notFound } from '../api-error';
import { paginateBothWays, type BidirectionalPage } from '../bidirectional-pagination';
import { toApiEvents } from '../events/event-object';
import { pinnedAgent, runnableDefinition } from './session-agent';
import { readSessionEvents, type SessionRequest } from './session-events';
import { matchesListQuery, matchesListQueryUnrecorded } from './session-list-filter';
import { unrecordedSessions } from './unrecorded-sessions';
import { sessionObject } from './session-object';
import type { SessionCreateParams, SessionListQuery, SessionUpdateParams } from './session-params';
import { fileMounts, memoryAttachments, sessionResources } from './session-resources';
import type { ApiEnvironment } from '../../domain/environment';
import { environmentSandbox } from '../../domain/environment-sandbox';
import { EnvironmentService } from '../environments/environment-service';
import { patchMetadata } from '../metadata';

export class SessionService {
  private last = 0;

  private readonly environments: EnvironmentService;

  constructor(
    private readonly storage: Storage,
    private readonly lucid: LucidClient,
    private readonly clock: () => number = Date.now,
    /** How long the custom tool calls of the sessions it starts wait for their results; absent: the default. */
    private readonly customToolWaitSeconds?: number,
  ) {
    this.environments = new EnvironmentService(storage.environments);
  }

  /** Never the same millisecond twice, so sessions created in a burst list in the order they were made. */
  private now(): Date {
    this.last = Math.max(this.clock(), this.last + 1);
    return new Date(this.last);
  }

  async create(params: SessionCreateParams): Promise<BetaManagedAgentsSession> {
    if (params.vault_ids?.length) throw invalidRequest('vault_ids: vaults are not supported by Lucid yet');
    const agent = await pinnedAgent(this.storage.agents, params.agent);
    const { definition, roster } = await runnableDefinition(this.storage.agents, agent);
    if (params.budget && !listPriceOf(agent.model)) {
      throw invalidRequest(`budget: model_not_budgetable: Lucid has no list price for ${agent.model}`);
    }
    const environment = await this.environments.forNewSession(params.environment_id);
    const requests = await readSessionEvents(this.storage.files, params.initial_events ?? [], 'initial_events');
    const resources = await sessionResources(this.storage, params.resources ?? []);
    const at = this.now().toISOString();
    const record: SessionRecord = {
      id: newSessionId(),
      agent,
      ...(roster.length ? { roster } : {}),
      environment_id: environment.id,
      title: params.title ?? null,
      metadata: params.metadata ?? {},
      resources,
      budget: params.budget ?? null,
      vault_ids: [],
      created_at: at,
      updated_at: at,
      archived_at: null,
    };
    await this.storage.sessionRecords.put(record);
    try {
      await this.lucid.startSession({
        ...sessionInput(record, definition, environment),
        ...(this.customToolWaitSeconds ? { custom_tool_wait_seconds: this.customToolWaitSeconds } : {}),
      });
    } catch (error) {
      await this.storage.sessionRecords.delete(record.id);
      throw error;
    }
    // A session without initial events is idle by definition: answering needs no query, which would wait for the
    // workflow's first task (about 100 ms; docs/performance.md, "HTTP API").
    if (requests.length === 0) return sessionObject(record, null, this.now());
    try {
      await this.apply(record.id, requests);
    } catch (error) {
      // A session whose initial events did not all apply was not created: nothing of it stays.
      await this.delete(record.id).catch(() => undefined);
      throw error;
    }
    const created = await this.object(record);
    // Events that ask for work made the session running when they were applied; the answer describes the session
    // as created, so a turn that ends before the query answers (a fast model) does not make it read idle.
    return asksForWork(requests) && created.status === 'idle' ? { ...created, status: 'running' } : created;
  }

  async retrieve(sessionId: string): Promise<BetaManagedAgentsSession> {
    const { record, snapshot } = await this.existing(sessionId);
    return sessionObject(record, snapshot, this.now());
  }

  /** Title and metadata (a patch: a key set to null is removed). */
  async update(sessionId: string, params: SessionUpdateParams): Promise<BetaManagedAgentsSession> {
    const record = await this.ownRecord(sessionId, 'updated');
    if (params.agent !== undefined) {
      throw invalidRequest('agent: changing a session agent’s tools is not supported by Lucid yet');
    }
    if (params.vault_ids?.length) throw invalidRequest('vault_ids: vaults are not supported by Lucid yet');
    if (params.budget !== undefined) {
      const reason = record.budget
        ? 'changing a running session’s budget is not supported by Lucid yet'
        : 'budget_create_only';
      throw invalidRequest(`budget: ${reason}: a budget is set when the session is created`);
    }
    const next: SessionRecord = {
      ...record,
      title: params.title === undefined ? record.title : params.title,
      metadata: patchMetadata(record.metadata, params.metadata),
    };
    if (JSON.stringify(next) !== JSON.stringify(record)) {
      next.updated_at = this.now().toISOString();
      await this.storage.sessionRecords.put(next);
    }
    return this.object(next);
  }

  /**
   * The sessions the API created and those started without it (unrecorded-sessions.ts), with the API's filters;
   * newest first unless `order=asc`. Both sort by creation time and id, which never change, so cursors stay put.
   */
  async list(query: SessionListQuery): Promise<BidirectionalPage<BetaManagedAgentsSession>> {
    if (query.deployment_id !== undefined)
      throw invalidRequest('deployment_id: deployments are not supported by Lucid');
    const allRecords = await this.storage.sessionRecords.list();
    const recorded = new Set(allRecords.map((record) => record.id));
    const records = allRecords.filter((record) => matchesListQuery(record, query));
    const unrecorded = (await unrecordedSessions(this.lucid, (id) => recorded.has(id))).filter(({ snapshot }) =>
      matchesListQueryUnrecorded(snapshot, query),
    );
    const now = this.now();
    let sessions = await Promise.all(
      records.map(async (record) => sessionObject(record, await this.snapshot(record.id), now)),
    );
    sessions.push(...unrecorded.map(({ snapshot }) => sessionObject(null, snapshot, now)));
    const statuses = query['statuses[]'];
    if (statuses) sessions = sessions.filter((session) => statuses.includes(session.status));
    const sign = query.order === 'asc' ? 1 : -1;
    sessions.sort((a, b) => sign * listKey(a).localeCompare(listKey(b)));
    return paginateBothWays(sessions, listKey, query, query.order);
  }

  /**
   * Ends the session gracefully (a running turn is interrupted first) and keeps everything readable. The record is
   * marked first, so no event is taken from the moment this is asked; archiving again changes nothing.
   */
  async archive(sessionId: string): Promise<BetaManagedAgentsSession> {
    const record = await this.ownRecord(sessionId, null);
    if (record.archived_at) return this.object(record);
    const at = this.now().toISOString();
    const archived: SessionRecord = { ...record, archived_at: at, updated_at: at };
    await this.storage.sessionRecords.put(archived);
    if (await this.lucid.isRunning(sessionId)) {
      try {
        await this.lucid.archive(sessionId);
      } catch (error) {
        // It ended meanwhile: archived all the same.
        if (rejectionType(error) !== FailureType.SessionEnded && !(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    return this.object(archived);
  }

  /** Stops the session at once (its workflow is terminated) and removes its record, events and snapshot. */
  async delete(sessionId: string): Promise<{ id: string; type: 'session_deleted' }> {
    await this.existing(sessionId);
    if (await this.lucid.isRunning(sessionId)) {
      try {
        await this.lucid.temporal.workflow.getHandle(sessionId).terminate('deleted through the API');
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    await this.storage.sessions.deleteSession(sessionId);
    await this.storage.sessionRecords.delete(sessionId);
    return { id: sessionId, type: 'session_deleted' };
  }

  /** The whole batch is read before any of it is applied; the answer holds the events it became. */
  /** `decidedBy` (the caller's API key id) is logged with each tool confirmation as who decided. */
  async sendEvents(
    sessionId: string,
    events: readonly unknown[],
    decidedBy = 'api',
  ): Promise<BetaManagedAgentsSendSessionEvents> {
    const requests = await readSessionEvents(this.storage.files, events, 'events');
    const { record, snapshot } = await this.existing(sessionId);
    if (record?.archived_at) throw invalidRequest(`session ${sessionId} is archived and takes no more events`);
    if (!(await this.lucid.isRunning(sessionId)) || snapshot?.status === 'terminated') {
      throw invalidRequest(`session ${sessionId} has ended and takes no more events`);
    }
    refuseIdleInterrupt(requests, snapshot);
    refuseUnawaitedResults(requests, snapshot);
    const stored = await this.apply(sessionId, requests, decidedBy);
    return { data: toApiEvents(stored) as BetaManagedAgentsSendSessionEvents['data'] };
  }

  /** Applies the requests in order, each through the session's Updates; returns the events they became. */
  private async apply(
    sessionId: string,
    requests: readonly SessionRequest[],
    decidedBy = 'api',
  ): Promise<SessionEvent[]> {
    const stored: SessionEvent[] = [];
    for (const request of requests) {
      let accepted;
      try {
        accepted = await this.send(sessionId, request, decidedBy);
      } catch (error) {
        throw refusalOf(error, sessionId);
      }
      const [event] = await this.lucid.readEvents(sessionId, { afterSeq: accepted.seq - 1, limit: 1 });
      if (event) stored.push(event);
    }
    return stored;
  }

  private send(sessionId: string, request: SessionRequest, decidedBy: string) {
    switch (request.type) {
      case 'user.message':
        return this.lucid.sendContent(sessionId, request.content);
      case 'user.interrupt':
        return this.lucid.interrupt(sessionId);
      case 'user.define_outcome':
        return this.lucid.defineOutcome(sessionId, request.outcome);
      case 'user.custom_tool_result':
        return this.lucid.sendCustomToolResult(sessionId, request.result);
      case 'user.tool_confirmation':
        return this.lucid.confirmToolUse(sessionId, { ...request.confirmation, decided_by: decidedBy });
    }
  }

  private async object(record: SessionRecord): Promise<BetaManagedAgentsSession> {
    return sessionObject(record, await this.snapshot(record.id), this.now());
  }

  /**
   * The live snapshot of a running session, else the one it saved; null for a session never started. When no
   * worker answers the query, the saved one (from its last idle) is the best there is.
   */
  private async snapshot(sessionId: string): Promise<SessionSnapshot | null> {
    let snapshot: SessionSnapshot | null;
    try {
      snapshot = await this.lucid.snapshot(sessionId);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      return this.storage.sessions.readSnapshot(sessionId);
    }
    // A saved snapshot from its last idle, of a workflow terminated from outside since (Temporal CLI): it ended.
    if (snapshot && snapshot.status !== 'terminated' && !(await this.lucid.isRunning(sessionId))) {
      return { ...snapshot, status: 'terminated' };
    }
    return snapshot;
  }

  private async existing(sessionId: string) {
    const [record, snapshot] = await Promise.all([
      this.storage.sessionRecords.get(sessionId),
      this.snapshot(sessionId),
    ]);
    if (!record && !snapshot) throw notFound(`no session ${sessionId}`);
    return { record, snapshot };
  }

  /** The API's record of a session it created; `refuseArchived` names what an archived one cannot be. */
  private async ownRecord(sessionId: string, refuseArchived: string | null): Promise<SessionRecord> {
    const { record } = await this.existing(sessionId);
    if (!record) {
      throw invalidRequest(`session ${sessionId} was not created through the API; it can be read and sent events only`);
    }
    if (refuseArchived && record.archived_at) {
      throw invalidRequest(`session ${sessionId} is archived and cannot be ${refuseArchived}`);
    }
    return record;
  }
}

/**
 * The workflow input of an API session: idle at start, in its environment's network, its files mounted and its
 * memory stores attached, its budget in cents.
 */
function sessionInput(record: SessionRecord, agent: AgentDefinition, environment: ApiEnvironment): StartSessionOptions {
  const files = fileMounts(record.resources);
  return {
    sessionId: record.id,
    agent,
    lifecycle: 'api',
    allowed_hosts: environmentSandbox(environment.config).allowedHosts,
    ...(files.length ? { files } : {}),
    memory_stores: memoryAttachments(record.resources),
    ...(record.budget ? { budget: { max_cost_cents: Number(record.budget.max_list_cost.amount) } } : {}),
  };
}

/** An interrupt needs a turn to stop: a running one, or one a message or outcome earlier in the batch starts. */
function refuseIdleInterrupt(requests: readonly SessionRequest[], snapshot: SessionSnapshot | null): void {
  const firstInterrupt = requests.findIndex((request) => request.type === 'user.interrupt');
  const waiting = snapshot?.stop_reason?.type === 'requires_action';
  if (firstInterrupt === -1 || snapshot?.status === 'running' || waiting || firstInterrupt > 0) return;
  throw invalidRequest(
    `events.${firstInterrupt}: the session is ${snapshot?.status ?? 'idle'}: there is no turn to interrupt`,
  );
}

/**
 * Custom tool results and tool confirmations must answer calls the session waits for, each once: checked against the snapshot for the
 * whole batch, so a bad one refuses the batch before any of it applies (the workflow checks each again).
 */
function refuseUnawaitedResults(requests: readonly SessionRequest[], snapshot: SessionSnapshot | null): void {
  const stop = snapshot?.stop_reason;
  const waiting = new Set(stop?.type === 'requires_action' && snapshot?.status === 'idle' ? stop.event_ids : []);
  const answered = new Set<string>();
  for (const [index, request] of requests.entries()) {
    if (request.type !== 'user.custom_tool_result' && request.type !== 'user.tool_confirmation') continue;
    const id =
      request.type === 'user.custom_tool_result' ? request.result.custom_tool_use_id : request.confirmation.tool_use_id;
    if (answered.has(id))
      throw invalidRequest(`events.${index}: ${request.type}: ${id} is answered earlier in this batch`);
    if (!waiting.has(id)) {
      const kind = request.type === 'user.custom_tool_result' ? 'custom tool call' : 'tool call';
      const expected = waiting.size ? `the calls waiting are ${[...waiting].join(', ')}` : 'no call is waiting';
      throw invalidRequest(
        `events.${index}: ${request.type}: no ${kind} waits for an answer under ${id} (${expected})`,
      );
    }
    answered.add(id);
  }
}

/** A request the session's workflow refused, as the API's error. */
function refusalOf(error: unknown, sessionId: string): unknown {
  if (error instanceof WorkflowNotFoundError) return invalidRequest(`session ${sessionId} has ended`);
  const type = rejectionType(error);
  if (type === undefined) return error;
  const message = ((error as WorkflowUpdateFailedError).cause as ApplicationFailure).message;
  if (type === FailureType.SessionEnded)
    return new ApiError(409, 'conflict_error', `session ${sessionId}: ${message}`, false);
  return invalidRequest(`session ${sessionId}: ${message}`);
}

function rejectionType(error: unknown): string | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = error.cause;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

const listKey = (session: BetaManagedAgentsSession) => `${session.created_at} ${session.id}`;

/** Whether a batch leaves the session with work: a message or an outcome not stopped by a later interrupt. */
function asksForWork(requests: readonly SessionRequest[]): boolean {
  const last = requests.at(-1);
  return last !== undefined && last.type !== 'user.interrupt';
}
