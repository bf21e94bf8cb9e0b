/**
 * The `agentSession` workflow: an agent works a task in a durable loop (model call → tool calls → results → …)
 * over a workspace. Deterministic orchestration only: model calls, tools and storage are activities.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CallModelInput, CallModelResult, ModelContentBlock } from '../activities/model';
import type {
  SessionErrorObject,
  SessionErrorType,
  SessionEvent,
  SessionSnapshot,
  SessionStopReason,
} from '../domain/events';
import { isTerminalModelFailure, sessionErrorTypeOf, type ModelFailureDetails } from '../domain/failure-types';
import { textBlocks } from '../domain/events';
import { failureCause } from '../domain/failure-cause';
import { describeIssues, UserMessageSchema, type SessionInput, type UserMessage } from '../domain/session-input';
import type { OutcomeDefinitionInput } from '../domain/outcome';
import { addUsage, ZERO_USAGE, type Usage } from '../domain/usage';
import { listCostCents } from '../domain/list-prices';
import { enabledToolNames } from '../domain/agent-toolset';
import { userToolDefinitions } from '../domain/user-tools';
import { activityToolNamed, activityTools } from '../domain/activity-tools';
import { runActivityTool } from './activity-tools';
import { LUCID_AGENT, LUCID_STATUS, LUCID_STOP_REASON } from '../search-attributes';
import { EventLog, type EventsPage, type EventsPageRequest } from './event-log';
import { OutcomeLoop, outcomeProblem } from './outcome-loop';
import { AWAIT_THREAD_SIGNALS_PATCH, ThreadManager } from './threads';
import {
  defineOutcomeSignal,
  archiveUpdate,
  customToolResultSignal,
  customToolResultUpdate,
  defineOutcomeUpdate,
  toolConfirmationSignal,
  toolConfirmationUpdate,
  eventsQuery,
  interruptSignal,
  interruptUpdate,
  snapshotQuery,
  threadReportSignal,
  usageQuery,
  userMessageSignal,
  userMessageUpdate,
  SessionRequestRejection,
  type AcceptedEvent,
  type ContinuedSession,
  type CustomToolResult,
  type ToolConfirmation,
} from './api/session-api';
import { CustomToolCalls } from './custom-tools';
import { PendingToolCalls, type UserAnswer } from './pending-tool-calls';
import { ToolConfirmations } from './tool-confirmations';
import { EarlyAnswers } from './early-answers';
import type { JudgeVerdict } from '../domain/permission-judge';
import { judgeCalls } from './permission-judge';
import { DEFAULT_CUSTOM_TOOL_WAIT_SECONDS } from '../domain/custom-tools';
import { DELEGATE_TOOL_NAME, SUBAGENT_NOTE, type ThreadReport } from '../domain/threads';
import { MEMORY_TOOL_NAME } from '../memory/attachments';
import type { SessionState } from './session-state';
import { continuedState, isContinued, startingSnapshot, startSession } from './session-start';
import { LEAN_TURNS_PATCH, storage } from './session-storage';
import { SessionPatches } from './session-patches';
import { CONTEXT_CLEARING_PATCH, ContextTracker } from './context-tracker';
import { McpTools } from './mcp-tools';
import { ShellAffinity, type ShellRoute } from './shell-affinity';
import { compactIfNeeded, type CompactionOutcome, type ModelFailureView } from './context-compaction';

// ---------------------------------------------------------------------------------------------------------------
// Activities and limits
// ---------------------------------------------------------------------------------------------------------------

const MODEL_ACTIVITY = {
  startToCloseTimeout: '10 minutes',
  // A killed worker is noticed within this time and the call moves to another worker.
  heartbeatTimeout: '10 seconds',
  // Model API errors come back non-retryable and the workflow retries them with visible events; this policy only
  // covers lost workers and timeouts.
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
} as const;

const { callModel } = proxyActivities<Activities>(MODEL_ACTIVITY);
const TOOL_ACTIVITY = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
} as const;
const { runTool, runMemoryTool } = proxyActivities<Activities>(TOOL_ACTIVITY);
/**
 * `bash` runs in the worker's sandboxed shell, which enforces the command's own timeout (at most
 * LUCID_BASH_MAX_TIMEOUT_MS); the start-to-close timeout is only a backstop. Heartbeats notice a lost worker quickly
 * and carry an interrupt's cancellation in; waiting for the cancellation to complete means the command is dead
 * before the turn goes on. A retry never re-runs a command (src/shell/bash-call.ts), so retrying is safe.
 */
const SHELL_ACTIVITY = {
  startToCloseTimeout: '25 hours',
  heartbeatTimeout: '6 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
} as const;
const { runBash } = proxyActivities<Activities>(SHELL_ACTIVITY);
const BASH_TOOL_NAME = 'bash';
/**
 * Sessions from this patch on publish their stop reason as the LucidStopReason search attribute with each status
 * change, so failed sessions (`error`) can be found in visibility; older sessions upsert the status alone.
 */
const STOP_REASON_ATTRIBUTE_PATCH = 'stop-reason-search-attribute';

/**
 * Sessions from this patch on pass the system prompt (agent prompt, memory block, sub-agent note) to the model
 * activity by its hash: a local activity stores it once per run (its input stays out of history) and each model
 * call carries 64 hex digits instead of the prompt. Older sessions pass the prompt inline in every model call.
 */
export const PROMPT_BY_REFERENCE_PATCH = 'prompt-by-reference';
/**
 * Sessions from this patch on hand workspace tool results to the model activity without their content, which it
 * reads from the tool journal (src/activities/journaled-results.ts says why), so a tool output is in history once,
 * as the tool activity's result. Older sessions hand the results over whole.
 */
export const TOOL_RESULTS_ONCE_PATCH = 'tool-results-persisted-once';

/** Model request attempts per model call before the turn ends with `retries_exhausted`. */
export const MAX_MODEL_ATTEMPTS = 8;
const RETRY_BASE_DELAY_MS = 1_000;
const MIN_RETRY_DELAY_MS = 100;
const RETRY_MAX_DELAY_MS = 60_000;
/** Continue-as-new well before the server's own warnings (10,240 events / 10 MiB). */
const CONTINUE_AS_NEW_EVENTS = 2_000;
const CONTINUE_AS_NEW_BYTES = 2 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Main workflow logic
// ---------------------------------------------------------------------------------------------------------------

export async function agentSession(input: SessionInput | ContinuedSession): Promise<SessionSnapshot> {
  // First, before anything awaits: session-patches.ts says why.
  const patches = SessionPatches.decide();
  // Queries are answered from the first workflow task on, even while the agent definition is still loading.
  let session: Session | undefined;
  setHandler(snapshotQuery, () => session?.snapshot() ?? startingSnapshot(input), {
    description: 'The session snapshot: status, stop reason, usage, turns',
  });
  setHandler(usageQuery, () => session?.snapshot().usage ?? ZERO_USAGE, { description: 'Token usage so far' });
  setHandler(eventsQuery, (request) => session?.eventsPage(request) ?? EventLog.emptyPage(), {
    description: 'Events after a sequence number: {"after_seq": 0, "limit": 100}',
  });
  handleUpdates(() => session);

  if (isContinued(input)) {
    session = new Session(continuedState(input), patches);
    return session.run();
  }
  const { state, firstMessage } = await startSession(input, patches);
  session = new Session(state, patches);
  return session.run({ firstMessage });
}

type ToolUse = Extract<ModelContentBlock, { type: 'tool_use' }>;

type ModelOutcome =
  | { kind: 'ok'; result: CallModelResult; toolUses: ToolUse[] }
  | { kind: 'exhausted' }
  | { kind: 'interrupted' }
  | { kind: 'terminal'; error: SessionErrorObject };

class Session {
  private readonly log: EventLog;
  private readonly outcomes: OutcomeLoop;
  private readonly threads: ThreadManager;
  private readonly context: ContextTracker;
  private readonly mcp: McpTools;
  /**
   * The terminal error that ended the session, if one did. Not part of the continued state: the session finishes
   * right after one, so it never continues as new with it.
   */
  private terminalError: SessionErrorObject | null = null;
  /** The system prompt's hash once this run stored it (prompt-by-reference); each run stores it again. */
  private systemPromptSha256: string | undefined;
  /** Scopes of the `bash` and activity-tool calls in flight, which an interrupt cancels. */
  private readonly runningCommands = new Set<CancellationScope>();
  /**
   * Tool calls whose outcome a `runTool` activity returned, so the tool journal holds it
   * (tool-results-persisted-once). Bounded by this run's tool calls: continue-as-new starts with every event stored.
   */
  private readonly journaledToolUses = new Set<string>();
  /** Calls that wait for a user's answer: custom tool calls and confirmations, in one `requires_action`. */
  private readonly pending: PendingToolCalls<UserAnswer>;
  /** Calls of the agent's custom tools, which wait for the client's answer (custom-tools.ts). */
  private readonly customTools: CustomToolCalls;
  /** Calls of always_ask tools, which wait for a user's confirmation (tool-confirmations.ts). */
  private readonly confirmations: ToolConfirmations;
  /** Where `bash` calls go: the worker holding the session's shell (shell-affinity patch; absent before it). */
  private readonly shell: ShellAffinity | undefined;
  /** Answers that came before their call, waiting for it while the turn runs (early-answers.ts). */
  private readonly early: EarlyAnswers;

  constructor(
    private readonly state: SessionState,
    private readonly patches: SessionPatches,
  ) {
    this.log = new EventLog(state.sessionId, state.nextSeq, state.thread?.thread_id);
    this.context = new ContextTracker(state.context, state.agent);
    this.log.onEmit((event) => this.context.noteEvent(event));
    this.mcp = new McpTools(state, this.log);
    this.shell = patches.shellAffinity ? new ShellAffinity(state) : undefined;
    this.threads = new ThreadManager(state.threads, {
      sessionId: state.sessionId,
      workspace: state.workspace,
      allowedHosts: state.allowedHosts,
      log: this.log,
      patches,
    });
    setHandler(threadReportSignal, (report) => this.threads.onReport(report), {
      description: 'Internal: a thread (sub-agent session) reports a finished turn',
    });
    this.outcomes = new OutcomeLoop(state, {
      log: this.log,
      persist: () => this.persist(),
      interruptRequested: () => this.state.interruptRequested,
      reportInvalid: (message) => this.reportInvalidInput(message),
    });
    setHandler(defineOutcomeSignal, (outcome) => this.outcomes.queue(outcome), {
      description:
        'Define an outcome: {"description": "...", "rubric": {"type": "text", "content": "..."}, "max_iterations": 3}',
    });
    setHandler(userMessageSignal, (message) => this.onUserMessage(message), {
      description: 'Send the agent a user message: {"text": "..."}',
    });
    setHandler(interruptSignal, () => this.onInterrupt(), {
      description: 'Stop the current turn at the next safe point',
    });
    this.pending = new PendingToolCalls<UserAnswer>(
      { waiting: (eventIds) => this.waitForUser(eventIds), resumed: () => this.setStatus('running') },
      (state.customToolWaitSeconds ?? DEFAULT_CUSTOM_TOOL_WAIT_SECONDS) * 1000,
    );
    this.customTools = new CustomToolCalls(this.log, state.agent.tools, this.pending);
    this.confirmations = new ToolConfirmations(this.log, state.agent, this.pending);
    this.early = new EarlyAnswers(
      (id) => patches.earlyAnswersWait && this.state.status === 'running' && this.log.isFutureEventId(id),
    );
    setHandler(customToolResultSignal, (result) => this.onCustomToolResult(result), {
      description:
        'Answer a custom tool call: {"custom_tool_use_id": "...", "content": [{"type": "text", "text": "..."}]}',
    });
    setHandler(toolConfirmationSignal, (confirmation) => this.onToolConfirmation(confirmation), {
      description: 'Allow or deny a tool call that waits: {"tool_use_id": "<its event id>", "result": "allow"}',
    });
  }

  /** Set once the first message is in the log: from then on the update handlers apply requests (handleUpdates). */
  takesUpdates = false;

  /**
   * Set by the archive update: the session ends at its next safe point (it is idle, or its turn was interrupted)
   * instead of waiting for more work. Never carried across continue-as-new: an archived session does not continue.
   */
  private archiveRequested = false;

  /**
   * Runs the session to its end; `start` is given on a fresh start, not after continue-as-new, with the first
   * message unless an API session starts idle. A cancelled session still closes its threads and records its end
   * before the workflow reports the cancellation.
   */
  async run(start?: { firstMessage: string | undefined }): Promise<SessionSnapshot> {
    try {
      return await this.loop(start);
    } catch (error) {
      if (!isCancellation(error)) throw error;
      await CancellationScope.nonCancellable(() => this.finish());
      throw error;
    }
  }

  private async loop(start?: { firstMessage: string | undefined }): Promise<SessionSnapshot> {
    const firstMessage = start?.firstMessage;
    if (firstMessage !== undefined) {
      upsertSearchAttributes([{ key: LUCID_AGENT, value: this.state.agent.name }]);
      this.log.emit({ type: 'user.message', content: textBlocks(firstMessage) });
      this.setStatus('running');
    } else if (start) {
      // An API session starts idle: no event until a request asks for work, only its status in visibility.
      upsertSearchAttributes([{ key: LUCID_AGENT, value: this.state.agent.name }]);
      this.setStatus('idle');
    }
    this.takesUpdates = true;
    for (;;) {
      if (this.state.status === 'running') {
        const ended = await this.runTurn();
        if (ended === 'terminated') return this.finish();
        if (ended === 'interrupted') this.outcomes.onInterrupted();
        if (ended === 'idle' && this.state.stopReason?.type === 'end_turn') {
          const next = await this.outcomes.afterTurn(this.state.finalMessage);
          this.state.interruptRequested = false; // an interrupt during grading ended the outcome; the turn is over
          if (next === 'revise') {
            this.state.turnModelCalls = 0;
            continue;
          }
        }
        await this.becomeIdle();
      }
      if (!(await this.waitForWork())) return this.finish();
      this.state.turnModelCalls = 0;
      this.setStatus('running');
    }
  }

  /** Runs the agent until it ends its turn; returns 'terminated' if the session cannot go on. */
  private async runTurn(): Promise<'idle' | 'interrupted' | 'terminated'> {
    await this.mcp.listOnce([
      ...this.availableTools(),
      ...userToolDefinitions(this.state.agent.tools).map((t) => t.name),
    ]);
    for (;;) {
      await this.outcomes.acceptPending();
      if (this.state.interruptRequested) {
        this.state.interruptRequested = false;
        this.state.stopReason = { type: 'end_turn' };
        return 'interrupted';
      }
      this.outcomes.onWorkStarted();
      if (this.budgetSpent()) {
        this.state.stopReason = { type: 'budget_reached' };
        return 'idle';
      }
      if (this.state.turnModelCalls >= this.state.agent.max_turns) {
        this.state.stopReason = { type: 'max_turns_reached' };
        return 'idle';
      }
      const fit = await this.keepContextInWindow();
      if (fit.kind === 'terminal') {
        this.terminalError = fit.error;
        return 'terminated';
      }
      if (fit.kind === 'exhausted') {
        this.state.stopReason = { type: 'retries_exhausted' };
        return 'idle';
      }
      if (fit.kind === 'interrupted') continue;
      const outcome = await this.callModelWithRetries();
      if (outcome.kind === 'terminal') {
        this.terminalError = outcome.error;
        return 'terminated';
      }
      if (outcome.kind === 'exhausted') {
        this.state.stopReason = { type: 'retries_exhausted' };
        return 'idle';
      }
      if (outcome.kind === 'interrupted') continue;
      const { toolUses } = outcome;
      if (toolUses.length === 0) {
        this.state.stopReason = outcome.result.stop_reason === 'refusal' ? { type: 'refusal' } : { type: 'end_turn' };
        return 'idle';
      }
      await this.runTools(toolUses);
      await this.continueAsNewIfHistoryIsLarge();
    }
  }

  private async callModelWithRetries(): Promise<ModelOutcome> {
    const agent = this.state.agent;
    const system = await this.systemPromptArgument();
    for (let attempt = 1; ; attempt++) {
      this.state.userMessagePending = false;
      this.clearOldToolResults();
      const start = this.log.emit({ type: 'span.model_request_start', model: agent.model });
      this.context.requestStarted();
      const clearedThroughSeq = this.context.clearedThroughSeq;
      // On the lean path the model activity persists the new events itself: one activity per model call.
      const lean = this.patches.has(LEAN_TURNS_PATCH);
      if (!lean) await this.persist();
      const handover = lean ? this.handover(this.log.unpersisted()) : {};
      try {
        const result = await callModel.executeWithOptions(
          { ...MODEL_ACTIVITY, summary: `${agent.name}: model request ${this.state.turns + 1} (${agent.model})` },
          [
            {
              sessionId: this.state.sessionId,
              model: agent.model,
              ...system,
              tools: enabledToolNames(agent),
              delegate: this.threads.canDelegate() ? this.threads.rosterEntries() : undefined,
              memory_stores: this.state.memory.stores.map((store) => ({ name: store.name, access: store.access })),
              ...this.userTools(),
              max_tokens: agent.max_tokens,
              throughSeq: start.seq,
              ...handover,
              ...(clearedThroughSeq > 0 ? { clearedThroughSeq } : {}),
            },
          ],
        );
        this.log.markPersistedThrough(start.seq);
        this.state.turns++;
        this.state.turnModelCalls++;
        this.state.usage = addUsage(this.state.usage, result.usage);
        this.context.requestAnswered(result.usage);
        // The model's output sits inside its request span: that is how the transcript is rebuilt from the log.
        const toolUses = this.recordModelOutput(result.content, await this.judgeAutoCalls(result.content));
        this.log.emit({
          type: 'span.model_request_end',
          model_request_start_id: start.id,
          is_error: false,
          model_usage: result.usage,
        });
        return { kind: 'ok', result, toolUses };
      } catch (error) {
        this.context.requestFailed();
        this.log.emit({
          type: 'span.model_request_end',
          model_request_start_id: start.id,
          is_error: true,
          model_usage: ZERO_USAGE,
        });
        const failure = describeModelFailure(error);
        if (!failure.retryable) {
          const error: SessionErrorObject = {
            type: failure.errorType,
            message: failure.message,
            retry_status: { type: 'terminal' },
          };
          this.log.emit({ type: 'session.error', error });
          return { kind: 'terminal', error };
        }
        if (attempt >= MAX_MODEL_ATTEMPTS) {
          this.log.emit({
            type: 'session.error',
            error: { type: failure.errorType, message: failure.message, retry_status: { type: 'exhausted' } },
          });
          return { kind: 'exhausted' };
        }
        this.log.emit({
          type: 'session.error',
          error: { type: failure.errorType, message: failure.message, retry_status: { type: 'retrying' } },
        });
        // An interrupt cuts the wait short; the turn then ends at the top of the loop.
        const delay = retryDelayMs(attempt, failure.retryAfterMs);
        if (await condition(() => this.state.interruptRequested, delay)) return { kind: 'interrupted' };
      }
    }
  }

  /**
   * Before a model request: clears old tool results when a batch is due, then, when that is not enough, compacts
   * the older conversation into a summary (src/workflows/context-compaction.ts).
   */
  private keepContextInWindow(): Promise<CompactionOutcome> {
    this.clearOldToolResults();
    const agent = this.state.agent;
    return compactIfNeeded({
      log: this.log,
      state: this.state,
      request: () => ({
        sessionId: this.state.sessionId,
        model: agent.model,
        system: this.systemPrompt(),
        tools: enabledToolNames(agent),
        delegate: this.threads.canDelegate() ? this.threads.rosterEntries() : undefined,
        memory_stores: this.state.memory.stores.map((store) => ({ name: store.name, access: store.access })),
        ...this.userTools(),
        max_tokens: agent.max_tokens,
        ...(this.context.clearedThroughSeq > 0 ? { clearedThroughSeq: this.context.clearedThroughSeq } : {}),
      }),
      needsCompaction: () => this.context.verdict() === 'needs_compaction',
      measured: (tokens, compactedThroughSeq) => this.context.applyMeasurement(tokens, compactedThroughSeq),
      describeFailure: (error): ModelFailureView => {
        const failure = describeModelFailure(error);
        return {
          retryable: failure.retryable,
          error: { type: failure.errorType, message: failure.message },
          retryAfterMs: failure.retryAfterMs,
        };
      },
      retryDelay: (attempt, failure) => retryDelayMs(attempt, failure.retryAfterMs),
      maxAttempts: MAX_MODEL_ATTEMPTS,
      patches: this.patches,
    });
  }

  /**
   * Before a model request: past the clearing trigger, clears the oldest tool results in one batch (recorded as a
   * `span.context_cleared` event; the log keeps them whole). When clearing cannot bring the request under
   * compaction's trigger the tracker says `needs_compaction`, and `keepContextInWindow` compacts.
   */
  private clearOldToolResults(): void {
    const plan = this.context.planClearing();
    // Checked only once a batch is due, so sessions that never fill their window record no marker.
    if (!plan || !this.patches.has(CONTEXT_CLEARING_PATCH)) return;
    this.log.emit({ type: 'span.context_cleared', ...plan });
    this.context.applyClearing(plan);
  }

  /**
   * The events a model activity persists before its request. Journaled tool results go without their content
   * (the activity reads it from the tool journal); sessions from before that patch hand them over whole.
   */
  private handover(events: SessionEvent[]): Pick<CallModelInput, 'events' | 'tool_results_in_journal'> {
    const journaled = (event: SessionEvent) =>
      event.type === 'agent.tool_result' && this.journaledToolUses.has(event.tool_use_id);
    if (!events.some(journaled) || !this.patches.has(TOOL_RESULTS_ONCE_PATCH)) return { events };
    return {
      events: events.map((event) => (journaled(event) ? { ...event, content: [] } : event)),
      tool_results_in_journal: events.filter(journaled).map((event) => event.seq),
    };
  }

  /** The system prompt for a model call: by hash from the prompt-by-reference patch on, inline before. */
  private async systemPromptArgument(): Promise<Pick<CallModelInput, 'system' | 'system_sha256'>> {
    if (this.systemPromptSha256 === undefined) {
      if (!this.patches.has(PROMPT_BY_REFERENCE_PATCH)) return { system: this.systemPrompt() };
      const text = this.systemPrompt();
      this.systemPromptSha256 = await storage(
        this.patches,
        `store the system prompt (${text.length} characters)`,
      ).storeSystemPrompt({
        text,
      });
    }
    return { system_sha256: this.systemPromptSha256 };
  }

  /**
   * The auto judge's verdict on each call of the model's output whose policy is `auto`: none for runs from before
   * the judge (they ran such calls as allowed), none when no call is `auto`.
   */
  private async judgeAutoCalls(content: ModelContentBlock[]): Promise<Map<string, JudgeVerdict>> {
    const auto = content.filter(
      (block): block is ToolUse => block.type === 'tool_use' && this.permissionPolicyOf(block) === 'auto',
    );
    if (auto.length === 0 || !this.patches.judgesAutoCalls) return new Map();
    return judgeCalls(this.state, auto);
  }

  /** The policy of a call: its MCP or toolset tool's; custom tools and Lucid's own always run. */
  private permissionPolicyOf(block: ToolUse) {
    if (this.mcp.owns(block.name)) {
      const use = this.mcp.useEvent(block);
      return this.confirmations.mcpToolPolicy(use.mcp_server_name, use.name);
    }
    if (this.customTools.owns(block.name)) return 'always_allow';
    return this.confirmations.toolsetToolPolicy(block.name);
  }

  /** Emits the model's output as events and returns the tool calls it asked for. */
  private recordModelOutput(content: ModelContentBlock[], verdicts: Map<string, JudgeVerdict>): ToolUse[] {
    const toolUses: ToolUse[] = [];
    for (const block of content) {
      if (block.type === 'text') {
        if (block.text.length === 0) continue;
        this.log.emit({ type: 'agent.message', content: textBlocks(block.text) });
        this.state.finalMessage = block.text;
      } else if (this.customTools.owns(block.name) && !this.mcp.owns(block.name)) {
        this.customTools.record(block);
        toolUses.push(block);
      } else {
        const use = this.mcp.owns(block.name)
          ? this.mcp.useEvent(block)
          : { type: 'agent.tool_use' as const, tool_use_id: block.id, name: block.name, input: block.input };
        // Only a call under always_ask or auto gets the permission fields, so the events of other sessions stay as they were.
        const { fields, asks } = this.confirmations.permissionFields(
          block,
          this.permissionPolicyOf(block),
          verdicts.get(block.id),
        );
        const event = this.log.emit({ ...use, ...fields });
        if (asks) this.confirmations.note(block.id, event.id);
        toolUses.push(block);
      }
    }
    return toolUses;
  }

  /** Tool calls from one model turn run in parallel; their results are recorded in call order. */
  private async runTools(toolUses: ToolUse[]): Promise<void> {
    const available = this.availableTools();
    const outcomes = await Promise.all(toolUses.map((toolUse) => this.runConfirmedTool(toolUse, available)));
    outcomes.forEach((outcome, index) => {
      // A client's answer to a custom tool call is in the log already, as its user.custom_tool_result.
      if (outcome.recorded) return;
      this.log.emit(
        this.mcp.owns(toolUses[index].name)
          ? this.mcp.resultEvent(toolUses[index].id, outcome)
          : {
              type: 'agent.tool_result',
              tool_use_id: toolUses[index].id,
              content: textBlocks(outcome.content),
              is_error: outcome.is_error,
            },
      );
    });
  }

  /**
   * The agent's resolved tools, plus `delegate` when it leads a team and `memory` when stores are attached. For an
   * agent with plain names (every recorded history) the list is the one given, so replays see the same inputs.
   */
  private availableTools(): Set<string> {
    const available = new Set<string>(enabledToolNames(this.state.agent));
    if (this.threads.canDelegate()) available.add(DELEGATE_TOOL_NAME);
    if (this.state.memory.stores.length > 0) available.add(MEMORY_TOOL_NAME);
    for (const tool of activityTools(this.state.agent.tools)) available.add(tool.name);
    for (const name of this.customTools.toolNames()) available.add(name);
    return available;
  }

  /** The agent's own tools for a model request; absent when it has none, so older sessions' inputs stay as they were. */
  private userTools(): Pick<CallModelInput, 'user_tools'> {
    const definitions = [...userToolDefinitions(this.state.agent.tools), ...this.mcp.definitions()];
    return definitions.length > 0 ? { user_tools: definitions } : {};
  }

  /** A call that must be confirmed waits for the user's decision first; a denied one is the refusal. */
  private runConfirmedTool(toolUse: ToolUse, available: Set<string>): ReturnType<Session['runOneTool']> {
    // Synchronous when no confirmation is needed: other calls start (and register their waits) as they always did.
    if (!this.confirmations.holds(toolUse.id)) return this.runOneTool(toolUse, available);
    return this.confirmations.decide(toolUse).then((refusal) => refusal ?? this.runOneTool(toolUse, available));
  }

  /** One tool call; whatever goes wrong comes back as a tool error the agent sees, never a crashed session. */
  private runOneTool(
    toolUse: ToolUse,
    available: Set<string>,
  ): Promise<{ content: string; is_error: boolean; recorded?: true }> {
    if (this.mcp.owns(toolUse.name)) return this.mcp.run(toolUse);
    if (!available.has(toolUse.name)) {
      const names = [...available].join(', ') || 'none';
      return Promise.resolve({
        is_error: true,
        content: `tool "${toolUse.name}" is not available to this agent (available: ${names})`,
      });
    }
    if (toolUse.name === DELEGATE_TOOL_NAME) return this.threads.delegate(toolUse.input);
    if (this.customTools.owns(toolUse.name)) return this.customTools.call(toolUse);
    if (toolUse.name === BASH_TOOL_NAME) return this.runShellCommand(toolUse);
    const activityTool = activityToolNamed(this.state.agent.tools, toolUse.name);
    if (activityTool) {
      const call = { sessionId: this.state.sessionId, toolUseId: toolUse.id, input: toolUse.input };
      return runActivityTool(activityTool, { ...call, running: this.runningCommands });
    }
    const options = { ...TOOL_ACTIVITY, summary: `${toolUse.name} ${summarizeToolInput(toolUse.input)}` };
    const { sessionId, workspace } = this.state;
    const call =
      toolUse.name === MEMORY_TOOL_NAME
        ? runMemoryTool.executeWithOptions(options, [
            { sessionId, toolUseId: toolUse.id, stores: this.state.memory.stores, input: toolUse.input },
          ])
        : runTool
            .executeWithOptions(options, [
              { sessionId, workspace, toolUseId: toolUse.id, name: toolUse.name, input: toolUse.input },
            ])
            .then((outcome) => {
              this.journaledToolUses.add(toolUse.id);
              return outcome;
            });
    return call.catch((error: unknown) => ({
      is_error: true,
      content: `tool ${toolUse.name} failed: ${errorMessage(error)}`,
    }));
  }

  /** A `bash` call, in a scope an interrupt cancels (which kills the command on the worker). */
  private async runShellCommand(toolUse: ToolUse): Promise<{ content: string; is_error: boolean }> {
    const scope = new CancellationScope();
    this.runningCommands.add(scope);
    const { sessionId, workspace, allowedHosts } = this.state;
    const options = { ...SHELL_ACTIVITY, summary: `bash ${summarizeToolInput(toolUse.input)}` };
    // Absent for a session without an environment, so its input (and the worker's allowlist) is as it always was.
    const network = allowedHosts ? { allowedHosts } : {};
    const call = {
      sessionId,
      workspace,
      toolUseId: toolUse.id,
      name: BASH_TOOL_NAME,
      input: toolUse.input,
      ...network,
    };
    const send = ({ pinned, shellQueue }: ShellRoute) =>
      runBash.executeWithOptions({ ...options, ...pinned }, [{ ...call, ...(shellQueue ? { shellQueue } : {}) }]);
    const shell = this.shell;
    try {
      const outcome = await scope.run(() => (shell ? shell.call(send) : runBash.executeWithOptions(options, [call])));
      this.journaledToolUses.add(toolUse.id);
      return outcome;
    } catch (error) {
      if (isCancellation(error))
        return {
          is_error: true,
          content: 'The command was interrupted by the user and killed; the shell was restarted.',
        };
      return { is_error: true, content: `tool bash failed: ${errorMessage(error)}` };
    } finally {
      this.runningCommands.delete(scope);
    }
  }

  private async becomeIdle(): Promise<void> {
    this.setStatus('idle');
    this.log.emit({
      type: 'session.status_idle',
      stop_reason: this.state.stopReason ?? { type: 'end_turn' },
      stop_details: null,
    });
    this.state.completedTurns++;
    await this.persist();
    await this.saveSnapshot(this.snapshot());
    await this.reportToLead('idle');
  }

  /**
   * Waits while idle for a user message: an API session until it is archived (a wait without a timer adds nothing
   * to history however long it lasts), any other up to keep_alive_seconds. False when the session should end.
   */
  private async waitForWork(): Promise<boolean> {
    const hasWork = () => this.state.userMessagePending || this.outcomes.hasPending();
    const wakes = () => hasWork() || this.archiveRequested;
    if (this.archiveRequested) return false;
    if (hasWork()) return true;
    if (this.state.lifecycle === 'api') {
      await this.continueAsNewIfHistoryIsLarge();
      await condition(wakes);
      return !this.archiveRequested;
    }
    if (this.state.keepAliveSeconds <= 0) return false;
    await this.continueAsNewIfHistoryIsLarge();
    return (await condition(wakes, this.state.keepAliveSeconds * 1000)) && !this.archiveRequested;
  }

  /** The archive update: ends the session once it is idle, interrupting a running turn first. */
  async archive(): Promise<void> {
    this.archiveRequested = true;
    if (this.state.status === 'running' || this.pending.isWaiting) await this.interrupt();
  }

  /**
   * The turn waits for the client's answers to custom tool calls: idle, `requires_action` naming every waiting
   * call, saved, so the API and the CLI see it. Called again with the rest after each answer that leaves some.
   */
  private async waitForUser(eventIds: string[]): Promise<void> {
    const stopReason = { type: 'requires_action' as const, event_ids: eventIds };
    this.state.stopReason = stopReason;
    this.setStatus('idle');
    this.log.emit({ type: 'session.status_idle', stop_reason: stopReason, stop_details: null });
    await this.persist();
    await this.saveSnapshot(this.snapshot());
  }

  /** Why `result` is refused at once, or null (it answers a waiting custom tool call, or may be early). */
  customToolResultRefusal(result: CustomToolResult): string | null {
    return this.early.refusal(this.customTools, result);
  }

  /** Why `result` cannot be applied: now, or once an early answer's call came or can no longer come. */
  settleCustomToolResult(result: CustomToolResult): string | null | Promise<string | null> {
    return this.early.settle(this.customTools, result);
  }

  acceptCustomToolResult(result: CustomToolResult): AcceptedEvent {
    return acceptedEvent(this.customTools.accept(result));
  }

  /** Why `confirmation` is refused at once, or null (it answers a call waiting for it, or may be early). */
  toolConfirmationRefusal(confirmation: ToolConfirmation): string | null {
    return this.early.refusal(this.confirmations, confirmation);
  }

  /** Why `confirmation` cannot be applied: now, or once an early answer's call came or can no longer come. */
  settleToolConfirmation(confirmation: ToolConfirmation): string | null | Promise<string | null> {
    return this.early.settle(this.confirmations, confirmation);
  }

  acceptToolConfirmation(confirmation: ToolConfirmation): AcceptedEvent {
    return acceptedEvent(this.confirmations.accept(confirmation));
  }

  /** The signal: a bad confirmation becomes a visible error, as a bad user message does; an early one waits first. */
  private onToolConfirmation(confirmation: ToolConfirmation): void | Promise<void> {
    if (this.state.status === 'terminated') return;
    return whenSettled(this.settleToolConfirmation(confirmation), (problem) => {
      if (problem) this.reportInvalidInput(problem);
      else this.confirmations.accept(confirmation);
    });
  }

  /** The signal: a bad result becomes a visible error, as a bad user message does; an early one waits first. */
  private onCustomToolResult(result: CustomToolResult): void | Promise<void> {
    if (this.state.status === 'terminated') return;
    return whenSettled(this.settleCustomToolResult(result), (problem) => {
      if (problem) this.reportInvalidInput(problem);
      else this.customTools.accept(result);
    });
  }

  private async finish(): Promise<SessionSnapshot> {
    await this.threads.closeAll();
    this.setStatus('terminated');
    this.log.emit({ type: 'session.status_terminated' });
    await this.persist();
    const snapshot = this.snapshot();
    await this.saveSnapshot(snapshot);
    await this.reportToLead('terminated');
    await condition(allHandlersFinished);
    return snapshot;
  }

  /** A thread tells its lead each finished turn; the lead may have ended already, which is fine. */
  private async reportToLead(status: ThreadReport['status']): Promise<void> {
    const thread = this.state.thread;
    if (!thread) return;
    const report: ThreadReport = {
      thread_id: thread.thread_id,
      completed_turns: this.state.completedTurns,
      status,
      stop_reason: this.state.stopReason,
      final_message: this.state.finalMessage,
      usage: this.totalUsage(),
      model_requests: this.state.turns,
    };
    try {
      await getExternalWorkflowHandle(thread.parent_session_id).signal(threadReportSignal, report);
    } catch {
      // The lead is gone; nobody is waiting for this report.
    }
  }

  /** The agent's prompt, then the memory block read at session start, then a sub-agent's note. */
  private systemPrompt(): string {
    const parts = [this.state.agent.system, this.state.memory.prompt, this.state.thread ? SUBAGENT_NOTE : ''];
    return parts.filter(Boolean).join('\n\n');
  }

  private totalUsage(): Usage {
    return addUsage(this.state.usage, this.threads.usage());
  }

  private onUserMessage(raw: UserMessage): void {
    if (this.state.status === 'terminated') return;
    const problem = userMessageProblem(raw);
    // A signal cannot be rejected; a malformed one becomes a visible error instead of crashing the session.
    if (problem) this.reportInvalidInput(problem);
    else this.acceptUserMessage(raw);
  }

  acceptUserMessage(message: UserMessage): AcceptedEvent {
    const content = message.content ?? textBlocks(message.text ?? '');
    const event = this.log.emit({ type: 'user.message', content });
    this.state.userMessagePending = true;
    return acceptedEvent(event);
  }

  async defineOutcome(outcome: OutcomeDefinitionInput): Promise<AcceptedEvent> {
    const accepted = await this.outcomes.queueAndAwait(outcome, () => this.state.status === 'terminated');
    if (accepted) return accepted;
    throw ApplicationFailure.nonRetryable(
      'the session ended before it took the outcome up',
      SessionRequestRejection.ended,
    );
  }

  /** Validator of the user updates: rejects the request, before it reaches history, with why it cannot apply. */
  checkRequest(problem: string | null): void {
    if (this.state.status === 'terminated')
      throw ApplicationFailure.nonRetryable('the session has ended', SessionRequestRejection.ended);
    if (this.archiveRequested)
      throw ApplicationFailure.nonRetryable('the session is archived', SessionRequestRejection.ended);
    if (problem) throw ApplicationFailure.nonRetryable(problem, SessionRequestRejection.invalid);
  }

  /** A turn runs, or is about to (work is pending: a message or an outcome arrived while the session was idle). */
  checkInterruptible(): void {
    this.checkRequest(null);
    const turnComing = this.state.userMessagePending || this.outcomes.hasPending();
    if (this.state.status !== 'running' && !turnComing && !this.pending.isWaiting) {
      throw ApplicationFailure.nonRetryable(
        `the session is ${this.state.status}, so there is no turn to stop`,
        SessionRequestRejection.notRunning,
      );
    }
  }

  private reportInvalidInput(message: string): void {
    this.log.emit({
      type: 'session.error',
      error: { type: 'invalid_request_error', message, retry_status: { type: 'exhausted' } },
    });
  }

  /**
   * The interrupt signal. Sessions recorded before the `await-thread-signals` patch did not wait for their
   * threads to receive the interrupt; they replay that way.
   */
  private async onInterrupt(): Promise<void> {
    if (this.state.status !== 'running' && !this.pending.isWaiting) return;
    const interrupting = this.interrupt();
    if (this.patches.has(AWAIT_THREAD_SIGNALS_PATCH)) await interrupting;
    else interrupting.catch(() => undefined); // cannot fail: an undeliverable thread signal is ignored
  }

  /** Marks the turn interrupted and passes the interrupt on to running threads; done once they have it. */
  async interrupt(): Promise<AcceptedEvent> {
    const event = this.log.emit({ type: 'user.interrupt' });
    this.state.interruptRequested = true;
    for (const command of this.runningCommands) command.cancel();
    this.mcp.cancelRunning();
    this.pending.cancelAll();
    await this.threads.interruptRunning();
    return acceptedEvent(event);
  }

  private setStatus(status: SessionState['status']): void {
    if (status === 'running' && this.state.status !== 'running') this.log.emit({ type: 'session.status_running' });
    this.state.status = status;
    if (!this.patches.has(STOP_REASON_ATTRIBUTE_PATCH)) {
      upsertSearchAttributes([{ key: LUCID_STATUS, value: status }]);
      return;
    }
    // A running session has no stop reason yet: the previous turn's would read as this one's.
    const stopReason = status === 'running' ? null : (this.stopReason()?.type ?? null);
    upsertSearchAttributes([
      { key: LUCID_STATUS, value: status },
      { key: LUCID_STOP_REASON, value: stopReason },
    ]);
  }

  /** Whether the session's own model requests cost its budget or more (never, without a budget). */
  private budgetSpent(): boolean {
    const budget = this.state.budget;
    if (!budget) return false;
    const cost = listCostCents(this.state.usage, this.state.agent.model);
    return cost !== null && cost >= budget.max_cost_cents;
  }

  /** The last turn's stop reason, or `error` once a terminal error ended the session. */
  private stopReason(): SessionStopReason | null {
    return this.terminalError ? { type: 'error' } : this.state.stopReason;
  }

  /** Persists events not yet in the store; retried activities rewrite the same seqs, so nothing is duplicated. */
  private async persist(): Promise<void> {
    const events = this.log.unpersisted();
    if (events.length === 0) return;
    const range = `${events[0].seq}–${events[events.length - 1].seq}`;
    await storage(this.patches, `persist events ${range}`).persistEvents({ sessionId: this.state.sessionId, events });
    this.log.markPersistedThrough(events[events.length - 1].seq);
  }

  private async saveSnapshot(snapshot: SessionSnapshot): Promise<void> {
    const stop = snapshot.stop_reason ? ` · ${snapshot.stop_reason.type}` : '';
    await storage(this.patches, `save snapshot (${snapshot.status}${stop})`).saveSnapshot(snapshot);
  }

  private async continueAsNewIfHistoryIsLarge(): Promise<void> {
    const info = workflowInfo();
    const large =
      info.continueAsNewSuggested ||
      info.historyLength >= CONTINUE_AS_NEW_EVENTS ||
      info.historySize >= CONTINUE_AS_NEW_BYTES;
    // An update waiting for its outcome to be accepted would never finish; the next turn accepts it first. So would
    // an answer waiting for its call while the turn runs; the turn registers the call or ends first. An archived
    // session ends instead.
    if (!large || this.outcomes.hasAwaitedOutcomes() || this.early.anyWaiting || this.archiveRequested) return;
    await this.persist();
    // An early answer arriving meanwhile waits for this turn, which waits here: go on, and continue as new later.
    await condition(() => allHandlersFinished() || this.early.anyWaiting);
    if (this.early.anyWaiting) return;
    await this.persist(); // a signal may have arrived while handlers finished
    await continueAsNew<typeof agentSession>({ continued: { ...this.state, nextSeq: this.log.seqForNext } });
  }

  eventsPage(request?: EventsPageRequest): EventsPage {
    return this.log.page(request);
  }

  snapshot(): SessionSnapshot {
    return {
      session_id: this.state.sessionId,
      agent: this.state.agent.name,
      status: this.state.status,
      stop_reason: this.stopReason(),
      error: this.terminalError,
      final_message: this.state.finalMessage,
      usage: this.totalUsage(),
      grader_usage: this.outcomes.graderUsage(),
      outcome_evaluations: this.outcomes.evaluations(),
      threads: this.threads.summaries(),
      turns: this.state.turns,
      event_count: this.log.lastSeq,
      workspace: this.state.workspace,
      created_at: this.state.createdAt,
      updated_at: new Date().toISOString(),
    };
  }
}

/**
 * The update handlers, registered in the first workflow task: an update that arrived while the session was still
 * starting (loading its agent, preparing its workspace) would otherwise be refused for want of a handler. Until
 * the first message is in the log, validators check the request's shape only, and handlers wait, so no request
 * is logged ahead of the message it answers and an interrupt finds the first turn running.
 */
function handleUpdates(current: () => Session | undefined): void {
  const ready = async (): Promise<Session> => {
    await condition(() => current()?.takesUpdates === true);
    return current()!;
  };
  const check = (problem: string | null) => {
    const session = current();
    if (session?.takesUpdates) session.checkRequest(problem);
    else if (problem) throw ApplicationFailure.nonRetryable(problem, SessionRequestRejection.invalid);
  };
  setHandler(userMessageUpdate, async (message) => (await ready()).acceptUserMessage(message), {
    description:
      'Send the agent a user message: {"text": "..."} or {"content": [blocks]}; answers {event_id, seq} of its event',
    validator: (message) => check(userMessageProblem(message)),
  });
  setHandler(defineOutcomeUpdate, async (outcome) => (await ready()).defineOutcome(outcome), {
    description: 'Define an outcome (as the signal); answers {event_id, seq} of its user.define_outcome event',
    validator: (outcome) => check(outcomeProblem(outcome)),
  });
  // An answer checked again in its handler: another answer to the same call may have been validated in the same
  // activation, and an early one (early-answers.ts) waits there for its call.
  const applyAnswer = (problem: string | null, accept: () => AcceptedEvent) => {
    if (problem) throw ApplicationFailure.nonRetryable(problem, SessionRequestRejection.invalid);
    return accept();
  };
  setHandler(
    customToolResultUpdate,
    async (result) => {
      const session = await ready();
      return whenSettled(session.settleCustomToolResult(result), (problem) =>
        applyAnswer(problem, () => session.acceptCustomToolResult(result)),
      );
    },
    {
      description:
        'Answer a custom tool call the session waits for: {"custom_tool_use_id", "content": [text blocks], "is_error"}',
      validator: (result) => {
        const session = current();
        check(session?.takesUpdates ? session.customToolResultRefusal(result) : 'no custom tool call is waiting yet');
      },
    },
  );
  setHandler(
    toolConfirmationUpdate,
    async (confirmation) => {
      const session = await ready();
      return whenSettled(session.settleToolConfirmation(confirmation), (problem) =>
        applyAnswer(problem, () => session.acceptToolConfirmation(confirmation)),
      );
    },
    {
      description:
        'Allow or deny a tool call that waits for a confirmation: {"tool_use_id", "result", "deny_message", "decided_by"}',
      validator: (confirmation) => {
        const session = current();
        check(session?.takesUpdates ? session.toolConfirmationRefusal(confirmation) : 'no tool call is waiting yet');
      },
    },
  );
  setHandler(archiveUpdate, async () => (await ready()).archive(), {
    description: 'End the session: at once when idle, after interrupting its turn when running',
    validator: () => check(null),
  });
  setHandler(interruptUpdate, async () => (await ready()).interrupt(), {
    description: 'Stop the current turn at the next safe point; answers {event_id, seq} of its user.interrupt event',
    // While the session starts, its first turn is about to run: there is a turn to stop.
    validator: () => {
      const session = current();
      if (session?.takesUpdates) session.checkInterruptible();
    },
  });
}

/**
 * Runs `then` on a settled answer's problem: at once when it is known (as answers always ran, so replays of older
 * runs see no extra step), after the wait when it is an early answer's.
 */
function whenSettled<T>(settled: string | null | Promise<string | null>, then: (problem: string | null) => T) {
  return settled instanceof Promise ? settled.then(then) : then(settled);
}

function userMessageProblem(raw: UserMessage): string | null {
  const parsed = UserMessageSchema.safeParse(raw);
  return parsed.success ? null : `invalid user.message: ${describeIssues(parsed.error)}`;
}

function acceptedEvent(event: { id: string; seq: number }): AcceptedEvent {
  return { event_id: event.id, seq: event.seq };
}

function describeModelFailure(error: unknown): {
  retryable: boolean;
  errorType: SessionErrorType;
  message: string;
  retryAfterMs: number | null;
} {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure && cause.type) {
    const details = (cause.details?.[0] ?? {}) as Partial<ModelFailureDetails>;
    const terminal = isTerminalModelFailure(cause.type);
    const errorType = sessionErrorTypeOf(cause.type);
    return { retryable: !terminal, errorType, message: cause.message, retryAfterMs: details.retry_after_ms ?? null };
  }
  // Timeouts after the activity's own retries (workers lost repeatedly): worth another attempt.
  return { retryable: true, errorType: 'unknown_error', message: errorMessage(error), retryAfterMs: null };
}

/** Exponential backoff from 1 s to 60 s, or the server's `retry-after`. */
function retryDelayMs(attempt: number, retryAfterMs: number | null): number {
  const backoff = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** (attempt - 1));
  return Math.max(MIN_RETRY_DELAY_MS, retryAfterMs ?? backoff);
}

function summarizeToolInput(input: Record<string, unknown>): string {
  // file_path (read, write, edit) and command (bash) are the toolset's; recorded histories never hold them, so their
  // summaries stay.
  const target = input.command ?? input.file_path ?? input.path ?? input.pattern;
  return typeof target === 'string' ? target.slice(0, 80) : '';
}

function errorMessage(error: unknown): string {
  return failureCause(error).message;
}
