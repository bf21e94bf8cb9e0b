import type { AgentDefinition } from '../domain/agent-definition';
import type { SessionStatus, StopReason } from '../domain/events';
import type { OutcomeDefinition } from '../domain/outcome';
import type { Usage } from '../domain/usage';
import type { ThreadContext } from '../domain/threads';
import type { AttachedStore } from '../memory/attachments';
import type { OutcomeRecord } from './outcome-loop';
import type { ThreadsState } from './threads';
import type { ContextState } from './context-tracker';
import type { OfferedMcpTool } from '../domain/mcp-tools';

/**
 * Everything a session carries across continue-as-new: small and bounded, never the transcript (that lives in
 * the event log). `version` is 1 for the first released shape; a later shape bumps it and reads both.
 */
export interface SessionState {
  version: 4;
  sessionId: string;
  agent: AgentDefinition;
  workspace: string;
  keepAliveSeconds: number;
  /** `api`: idle between turns until archived, whatever keepAliveSeconds says (version 3; absent before). */
  lifecycle?: 'api';
  /** The most the session's own model requests may cost, at list prices (version 3; absent: no limit). */
  budget?: { max_cost_cents: number };
  /** The hosts the session's `bash` sandbox may reach, from its environment (version 4; absent: the worker's). */
  allowedHosts?: string[];
  /** How long a custom tool call waits for the client's answer, in seconds (absent: the default). */
  customToolWaitSeconds?: number;
  createdAt: string;
  /** The seq the next event gets; all events below it are persisted before continue-as-new. */
  nextSeq: number;
  usage: Usage;
  /** Successful model requests over the whole session. */
  turns: number;
  /** Successful model requests in the current agent turn (reset when a new turn starts). */
  turnModelCalls: number;
  status: SessionStatus;
  stopReason: StopReason | null;
  finalMessage: string | null;
  /** A user message arrived that no model request has seen yet. */
  userMessagePending: boolean;
  interruptRequested: boolean;
  /** Outcomes in the order they were defined; the newest unfinished one is active. */
  outcomes: OutcomeRecord[];
  /** Outcomes received by signal, accepted at the next safe point. */
  pendingOutcomes: OutcomeDefinition[];
  graderUsage: Usage;
  /** Set when this session is a thread of a lead agent's session. */
  thread?: ThreadContext;
  /** Agent turns finished (each ends in idle); a thread reports this count to its lead. */
  completedTurns: number;
  threads: ThreadsState;
  /** Attached memory stores and the system-prompt block read from them at session start. */
  memory: { prompt: string; stores: AttachedStore[] };
  /** How full the next model request is and which old tool results are cleared (version 2). */
  context: ContextState;
  /**
   * The task queue of the worker holding the session's `bash` shell, where its next call goes (shell-affinity.ts;
   * absent: no shell anywhere, or a session from before the patch).
   */
  shellQueue?: string;
  /** The MCP tools offered, listed when the first turn started (absent: not listed, or no servers). */
  mcp?: { tools: OfferedMcpTool[] };
}
