/**
 * How a session run begins: a fresh start validates the input and resolves agent, roster, workspace and memory;
 * a continued run reads the state the previous run handed over. Deterministic orchestration only.
 */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type { AgentDefinition } from '../domain/agent-definition';
import type { SessionSnapshot } from '../domain/events';
import { FailureType } from '../domain/failure-types';
import { describeIssues, SessionInputSchema, type SessionInput } from '../domain/session-input';
import { ZERO_USAGE } from '../domain/usage';
import type { ContinuedSession } from './api/session-api';
import { readContinuedSession } from './continued-session';
import type { SessionState } from './session-state';
import type { SessionPatches } from './session-patches';
import { storage } from './session-storage';
import { initialThreadsState } from './threads';
import { emptyContextState } from './context-tracker';

/** What the session says while it is still loading; an API session without a first message is idle already. */
export function startingSnapshot(input?: SessionInput | ContinuedSession): SessionSnapshot {
  const now = new Date().toISOString();
  const idle = input !== undefined && !isContinued(input) && input.message === undefined;
  return {
    session_id: workflowInfo().workflowId,
    agent: '',
    status: idle ? 'idle' : 'running',
    stop_reason: null,
    error: null,
    final_message: null,
    usage: ZERO_USAGE,
    grader_usage: ZERO_USAGE,
    outcome_evaluations: [],
    threads: [],
    turns: 0,
    event_count: 0,
    workspace: '',
    created_at: now,
    updated_at: now,
  };
}

export function isContinued(input: SessionInput | ContinuedSession): input is ContinuedSession {
  return typeof input === 'object' && input !== null && 'continued' in input;
}

/**
 * The state handed over by continue-as-new, or sent by a caller: validated (and migrated) here in the workflow,
 * deterministically from the input in history, so a bad state fails the workflow at once instead of a task retrying.
 */
export function continuedState(input: ContinuedSession): SessionState {
  const read = readContinuedSession(input);
  if (!read.ok) throw invalidContinuedState(read.error);
  const sessionId = workflowInfo().workflowId;
  // Another session's state would write into that session's event log.
  if (read.state.sessionId !== sessionId)
    throw invalidContinuedState(`continued.sessionId: "${read.state.sessionId}" is not this session ("${sessionId}")`);
  return read.state;
}

function invalidContinuedState(reason: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`invalid continued session state: ${reason}`, FailureType.InvalidSessionInput);
}

/** Validates the input and resolves agent and workspace; bad input fails the workflow at once, never retried. */
export async function startSession(
  raw: SessionInput,
  patches: SessionPatches,
): Promise<{ state: SessionState; firstMessage: string | undefined }> {
  const parsed = SessionInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid session input: ${describeIssues(parsed.error)}`,
      FailureType.InvalidSessionInput,
    );
  }
  const input = parsed.data;
  const sessionId = workflowInfo().workflowId;
  const loadAgentDefinition = (name: string) => storage(patches, `load agent ${name}`).loadAgentDefinition(name);
  const agent: AgentDefinition = typeof input.agent === 'string' ? await loadAgentDefinition(input.agent) : input.agent;
  const threads = initialThreadsState(await resolveRoster(agent, loadAgentDefinition), agent, input.thread);
  checkRosterDepth(threads.roster, threads.depth + 1, threads.limits.max_depth);
  const workspace = await storage(patches, 'prepare the workspace').prepareWorkspace({
    sessionId,
    workspace: input.workspace,
    ...(input.files ? { files: input.files } : {}),
  });
  const memory =
    input.memory_stores.length > 0
      ? await storage(patches, `read memory (${input.memory_stores.length} stores)`).loadMemoryContext({
          attachments: input.memory_stores,
          budget_chars: input.memory_budget_chars,
        })
      : { prompt: '', stores: [] };
  const state: SessionState = {
    version: 4,
    sessionId,
    agent,
    workspace,
    keepAliveSeconds: input.keep_alive_seconds,
    ...(input.lifecycle ? { lifecycle: input.lifecycle } : {}),
    ...(input.budget ? { budget: input.budget } : {}),
    ...(input.allowed_hosts ? { allowedHosts: input.allowed_hosts } : {}),
    ...(input.custom_tool_wait_seconds ? { customToolWaitSeconds: input.custom_tool_wait_seconds } : {}),
    createdAt: new Date().toISOString(),
    nextSeq: 1,
    usage: ZERO_USAGE,
    turns: 0,
    turnModelCalls: 0,
    status: 'idle',
    stopReason: null,
    finalMessage: null,
    userMessagePending: input.message !== undefined,
    interruptRequested: false,
    outcomes: [],
    pendingOutcomes: input.outcome ? [input.outcome] : [],
    graderUsage: ZERO_USAGE,
    thread: input.thread,
    completedTurns: 0,
    threads,
    memory,
    context: emptyContextState(),
  };
  return { state, firstMessage: input.message };
}

/** The definitions of the agent's sub-agents (named ones are read from the agents folder). */
async function resolveRoster(
  agent: AgentDefinition,
  loadAgentDefinition: (name: string) => Promise<AgentDefinition>,
): Promise<AgentDefinition[]> {
  const roster: AgentDefinition[] = [];
  for (const entry of agent.subagents ?? [])
    roster.push(typeof entry === 'string' ? await loadAgentDefinition(entry) : entry);
  return roster;
}

/** Roster agents may have rosters of their own only as deep as the lead's `thread_limits.max_depth` allows. */
function checkRosterDepth(roster: AgentDefinition[], depth: number, maxDepth: number): void {
  for (const member of roster) {
    if (member.subagents && depth >= maxDepth) {
      throw ApplicationFailure.nonRetryable(
        `invalid session input: roster agent "${member.name}" has sub-agents of its own, but thread_limits.max_depth is ${maxDepth}`,
        FailureType.InvalidSessionInput,
      );
    }
  }
}
