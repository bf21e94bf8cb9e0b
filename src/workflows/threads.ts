/**
 * The lead's side of multiagent orchestration: each `delegate` tool call runs the task in a thread, a child
 * `agentSession` workflow on the same workspace. Threads persist: a follow-up reaches the same child, which keeps
 * its conversation. Children report each finished turn by signal, so the lead never polls.
 */
import {
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  proxyLocalActivities,
  startChild,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AgentDefinition, ThreadLimits } from '../domain/agent-definition';
import { ThreadLimitsSchema } from '../domain/agent-definition';
import { textBlocks, type StopReason } from '../domain/events';
import { randomIdBody } from '../domain/ids';
import { describeIssues, MAX_KEEP_ALIVE_SECONDS, type SessionInput } from '../domain/session-input';
import {
  DelegateInputSchema,
  shortThreadResult,
  threadSessionId,
  type RosterEntry,
  type ThreadContext,
  type ThreadReport,
  type ThreadStatus,
  type ThreadSummary,
} from '../domain/threads';
import { addUsage, ZERO_USAGE, type Usage } from '../domain/usage';
import { LUCID_AGENT, LUCID_PARENT_SESSION } from '../search-attributes';
import type { ToolOutcome } from '../workspace/tools';
import type { agentSession } from './agent-session';
import { AGENT_SESSION_WORKFLOW, interruptSignal, userMessageSignal } from './api/session-api';
import type { EventLog } from './event-log';
import type { SessionPatches } from './session-patches';

/**
 * Sessions started before this patch waited on a thread's report alone, so a child closed from outside
 * (`temporal workflow terminate`, a timeout) hung them once they had continued-as-new. Now the wait also checks,
 * from time to time, whether the child's workflow is still running.
 */
const THREAD_CLOSURE_WATCH_PATCH = 'thread-closure-watch';
/** The first check comes this soon; each later one waits twice as long, up to the maximum. */
const FIRST_CLOSURE_CHECK_MS = 5_000;
const MAX_CLOSURE_CHECK_MS = 2 * 60_000;
// A local activity: one marker in history per check, and a failed check just means "look again later".
const { describeThreadWorkflow } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

/**
 * Sessions started before this patch sent their threads follow-ups and interrupts without waiting for delivery.
 * Now the lead awaits each thread signal: an interrupt handler ends once every running thread has it, and a
 * follow-up to a thread that has gone is a tool error at once instead of a wait for a report that never comes.
 */
export const AWAIT_THREAD_SIGNALS_PATCH = 'await-thread-signals';

/**
 * Cancelling all open threads at once saves one workflow task per thread (bench/fanout: 2.8 s → 0.7 s at 25
 * threads). Sessions recorded before this patch cancelled them one by one, and replay the same way.
 */
const CLOSE_THREADS_IN_PARALLEL_PATCH = 'close-threads-in-parallel';

/** One thread, as the lead keeps it (carried across continue-as-new). */
export interface ThreadRecord {
  thread_id: string;
  session_id: string;
  agent_name: string;
  status: ThreadStatus;
  /** Messages the lead has sent; the thread answers each with one completed turn. */
  sent: number;
  report: ThreadReport | null;
}

export interface ThreadsState {
  /** Sub-agent definitions the lead may delegate to, resolved at session start. */
  roster: AgentDefinition[];
  limits: ThreadLimits;
  /** 0 for a top-level session; a thread's own depth otherwise. */
  depth: number;
  records: ThreadRecord[];
}

export function initialThreadsState(
  roster: AgentDefinition[],
  agent: AgentDefinition,
  thread?: ThreadContext,
): ThreadsState {
  const limits = agent.thread_limits ?? ThreadLimitsSchema.parse({});
  // A thread inherits its lead's depth limit, so the whole tree is bounded by the top-level lead's setting.
  return {
    roster,
    limits: thread ? { ...limits, max_depth: thread.max_depth } : limits,
    depth: thread?.depth ?? 0,
    records: [],
  };
}

export class ThreadManager {
  constructor(
    private readonly state: ThreadsState,
    private readonly context: {
      sessionId: string;
      workspace: string;
      /** The lead's network allowlist (its environment's), which its threads' shells keep; absent: the worker's. */
      allowedHosts?: string[];
      log: EventLog;
      patches: SessionPatches;
    },
  ) {}

  /** Whether this session gets the `delegate` tool: it has a roster and the depth limit allows another level. */
  canDelegate(): boolean {
    return this.state.roster.length > 0 && this.state.depth < this.state.limits.max_depth;
  }

  rosterEntries(): RosterEntry[] {
    return this.state.roster.map((agent) => ({
      name: agent.name,
      description: agent.description ?? '',
      model: agent.model,
    }));
  }

  onReport(report: ThreadReport): void {
    const record = this.state.records.find((candidate) => candidate.thread_id === report.thread_id);
    if (!record) return;
    if (record.report && record.report.completed_turns > report.completed_turns && report.status !== 'terminated')
      return;
    record.report = report;
    if (report.status === 'terminated') this.markTerminated(record);
  }

  /** Runs one `delegate` call to the end of the thread's turn; every problem is a tool error the lead sees. */
  async delegate(rawInput: unknown): Promise<ToolOutcome> {
    const parsed = DelegateInputSchema.safeParse(rawInput);
    if (!parsed.success) return toolError(`Invalid input for delegate: ${describeIssues(parsed.error)}`);
    const { agent: agentName, task, thread } = parsed.data;
    const opened = thread ? await this.followUp(thread, agentName, task) : await this.open(agentName, task);
    if ('error' in opened) return toolError(opened.error);
    return this.awaitTurn(opened.record);
  }

  /** Sends every running thread an interrupt: interrupting the lead stops its sub-agents too. */
  async interruptRunning(): Promise<void> {
    for (const record of this.state.records.filter((candidate) => candidate.status === 'running')) {
      await signalQuietly(record.session_id, interruptSignal);
    }
  }

  /** Cancels every thread still open and waits (bounded) for their final reports: no orphan workflows remain. */
  async closeAll(): Promise<void> {
    const open = this.state.records.filter((record) => record.status !== 'terminated');
    if (open.length === 0) return;
    const cancel = async (record: ThreadRecord) => {
      try {
        await getExternalWorkflowHandle(record.session_id).cancel();
      } catch {
        this.markTerminated(record); // already gone
      }
    };
    if (this.context.patches.has(CLOSE_THREADS_IN_PARALLEL_PATCH)) await Promise.all(open.map(cancel));
    else for (const record of open) await cancel(record);
    await condition(() => open.every((record) => record.status === 'terminated'), '1 minute');
    for (const record of open) this.markTerminated(record); // did not report in time; closed all the same
  }

  summaries(): ThreadSummary[] {
    return this.state.records.map((record) => ({
      thread_id: record.thread_id,
      session_id: record.session_id,
      agent_name: record.agent_name,
      status: record.status,
      turns: record.report?.model_requests ?? 0,
      usage: record.report?.usage ?? ZERO_USAGE,
    }));
  }

  usage(): Usage {
    return this.state.records.reduce(
      (total, record) => addUsage(total, record.report?.usage ?? ZERO_USAGE),
      ZERO_USAGE,
    );
  }

  private async open(agentName: string, task: string): Promise<{ record: ThreadRecord } | { error: string }> {
    const agent = this.state.roster.find((candidate) => candidate.name === agentName);
    if (!agent)
      return {
        error: `No agent "${agentName}" in the roster (available: ${this.state.roster.map((a) => a.name).join(', ')})`,
      };
    const { limits, records } = this.state;
    if (records.length >= limits.max_total)
      return { error: `Thread limit reached: this session may start at most ${limits.max_total} threads` };
    const running = records.filter((record) => record.status === 'running').length;
    if (running >= limits.max_concurrent) {
      return {
        error: `Concurrency limit reached: at most ${limits.max_concurrent} threads may run at once; wait for one to finish`,
      };
    }
    const threadId = `sthr_${randomIdBody(Math.random)}`;
    const record: ThreadRecord = {
      thread_id: threadId,
      session_id: threadSessionId(this.context.sessionId, threadId),
      agent_name: agent.name,
      status: 'running',
      sent: 1,
      report: null,
    };
    records.push(record); // before any await, so parallel delegate calls count each other against the limits
    const input: SessionInput & { thread: ThreadContext } = {
      agent,
      message: task,
      workspace: this.context.workspace,
      ...(this.context.allowedHosts ? { allowed_hosts: this.context.allowedHosts } : {}),
      keep_alive_seconds: MAX_KEEP_ALIVE_SECONDS,
      thread: {
        parent_session_id: this.context.sessionId,
        thread_id: threadId,
        depth: this.state.depth + 1,
        max_depth: this.state.limits.max_depth,
      },
    };
    // By name and type: a value import of the workflow would make this module and agent-session.ts a cycle.
    const child = await startChild<typeof agentSession>(AGENT_SESSION_WORKFLOW, {
      workflowId: record.session_id,
      args: [input],
      // Threads outlive a continue-as-new of the lead; the lead closes them itself when it ends.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: LUCID_PARENT_SESSION, value: this.context.sessionId },
        { key: LUCID_AGENT, value: agent.name },
      ],
      staticSummary: `thread ${threadId}: ${agent.name}`,
    });
    // A child that fails (e.g. at start-up) never reports; its result tells us instead. Not awaited: the thread
    // outlives this call, and what its end means lands in record.status, which awaitTurn and closeAll wait on.
    child.result().catch(() => this.markTerminated(record));
    this.context.log.emit({
      type: 'session.thread_created',
      session_thread_id: threadId,
      agent_name: agent.name,
      workflow_run_id: child.firstExecutionRunId,
    });
    this.announce(record, task);
    return { record };
  }

  private async followUp(
    threadId: string,
    agentName: string,
    task: string,
  ): Promise<{ record: ThreadRecord } | { error: string }> {
    const record = this.state.records.find((candidate) => candidate.thread_id === threadId);
    if (!record) return { error: `No thread "${threadId}" in this session` };
    if (record.agent_name !== agentName)
      return { error: `Thread ${threadId} belongs to agent "${record.agent_name}", not "${agentName}"` };
    if (record.status === 'running')
      return { error: `Thread ${threadId} is still working on an earlier task; wait for its result` };
    if (record.status === 'terminated') return { error: `Thread ${threadId} has ended; start a new thread instead` };
    record.status = 'running';
    record.sent++;
    const delivery = signalQuietly(record.session_id, userMessageSignal, { text: task });
    if (!this.context.patches.has(AWAIT_THREAD_SIGNALS_PATCH)) {
      delivery.catch(() => undefined); // cannot fail: an undeliverable signal resolves false
    } else if (!(await delivery)) {
      this.markTerminated(record);
      return { error: `Thread ${threadId} has ended; start a new thread instead` };
    }
    this.announce(record, task);
    return { record };
  }

  private announce(record: ThreadRecord, task: string): void {
    const { log } = this.context;
    log.emit({
      type: 'agent.thread_message_sent',
      to_session_thread_id: record.thread_id,
      to_agent_name: record.agent_name,
      content: textBlocks(task),
    });
    log.emit({
      type: 'session.thread_status_running',
      session_thread_id: record.thread_id,
      agent_name: record.agent_name,
    });
  }

  private async awaitTurn(record: ThreadRecord): Promise<ToolOutcome> {
    const closedAs = await this.waitForTurn(record);
    const report = record.report;
    const { log } = this.context;
    log.emit({
      type: 'agent.thread_message_received',
      from_session_thread_id: record.thread_id,
      from_agent_name: record.agent_name,
      content: textBlocks(shortThreadResult(report?.final_message ?? null)),
    });
    if (record.status === 'terminated' || !report || report.status === 'terminated') {
      this.markTerminated(record);
      const why = closedAs ? describeClosure(closedAs) : describeStop(report?.stop_reason ?? null);
      return toolError(
        `Thread ${record.thread_id} (${record.agent_name}) ended before finishing: ${why}.` + lastWords(report),
      );
    }
    record.status = 'idle';
    const stopReason = report.stop_reason ?? { type: 'end_turn' };
    log.emit({
      type: 'session.thread_status_idle',
      session_thread_id: record.thread_id,
      agent_name: record.agent_name,
      stop_reason: stopReason,
      stop_details: null,
    });
    if (stopReason.type !== 'end_turn') {
      return toolError(
        `Thread ${record.thread_id} (${record.agent_name}) stopped: ${describeStop(stopReason)}.` + lastWords(report),
      );
    }
    return {
      is_error: false,
      content: `[thread ${record.thread_id}, ${record.agent_name}] ${shortThreadResult(report.final_message)}`,
    };
  }

  /**
   * Waits until the thread has answered the latest message or ended. Returns the status of its workflow if it was
   * found closed without a word (terminated or timed out from outside), null otherwise.
   */
  private async waitForTurn(record: ThreadRecord): Promise<string | null> {
    const settled = () => record.status === 'terminated' || (record.report?.completed_turns ?? 0) >= record.sent;
    if (!this.context.patches.has(THREAD_CLOSURE_WATCH_PATCH)) {
      await condition(settled);
      return null;
    }
    for (let wait = FIRST_CLOSURE_CHECK_MS; ; wait = Math.min(2 * wait, MAX_CLOSURE_CHECK_MS)) {
      if (await condition(settled, wait)) break;
      const closedAs = await this.closedStatus(record);
      if (settled()) break; // its report came in while we looked
      if (closedAs) {
        this.markTerminated(record);
        return closedAs;
      }
    }
    // Ended without a final report (its child result failed while this run watched it): say how, as the server saw it.
    return record.status === 'terminated' && record.report?.status !== 'terminated' ? this.closedStatus(record) : null;
  }

  /** The execution status of the thread's workflow if it is closed; null if it runs or could not be looked up. */
  private async closedStatus(record: ThreadRecord): Promise<string | null> {
    const state = await describeThreadWorkflow({ workflowId: record.session_id }).catch((error: unknown) => {
      if (isCancellation(error)) throw error; // the lead itself is being cancelled
      return null; // could not look this time; the next check will
    });
    return state?.closed ? state.status : null;
  }

  /** Marks a thread ended, announcing it once in the lead's log. */
  private markTerminated(record: ThreadRecord): void {
    if (record.status === 'terminated') return;
    record.status = 'terminated';
    this.context.log.emit({
      type: 'session.thread_status_terminated',
      session_thread_id: record.thread_id,
      agent_name: record.agent_name,
    });
  }
}

function toolError(content: string): ToolOutcome {
  return { is_error: true, content };
}

function describeStop(stopReason: StopReason | null): string {
  if (!stopReason) return 'it stopped with an error';
  if (stopReason.type === 'max_turns_reached') return 'it reached its turn limit';
  if (stopReason.type === 'retries_exhausted') return 'its model requests kept failing';
  return stopReason.type;
}

/** Why a thread's workflow closed without reporting, from its execution status. */
function describeClosure(status: string): string {
  if (status === 'TERMINATED') return 'its workflow was terminated';
  if (status === 'TIMED_OUT') return 'its workflow timed out';
  if (status === 'CANCELLED') return 'its workflow was cancelled';
  if (status === 'FAILED') return 'its workflow failed';
  if (status === 'NOT_FOUND') return 'its workflow no longer exists';
  return `its workflow closed (${status.toLowerCase()})`;
}

function lastWords(report: ThreadReport | null): string {
  return report?.final_message ? ` Its last message: ${shortThreadResult(report.final_message)}` : '';
}

/** Signals a thread; false when it has already ended (its final report, or its result, tells the lead). */
async function signalQuietly<Args extends unknown[]>(
  workflowId: string,
  signal: SignalDefinition<Args>,
  ...args: Args
): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(signal, ...args);
    return true;
  } catch {
    return false;
  }
}
