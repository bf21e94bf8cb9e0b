/**
 * Session events in the Managed Agents vocabulary (see @anthropic-ai/sdk resources/beta/sessions/events.d.ts).
 * Every event carries `id`, `seq` (1-based, gap-free per session) and `processed_at` (RFC 3339).
 * The workflow is the only author of events; activities persist them keyed by `seq`.
 */
import type { CriterionVerdict, EvaluationResult, OutcomeEvaluation, Rubric } from './outcome';
import type { ThreadSummary } from './threads';
import type { Usage } from './usage';

export interface TextBlock {
  type: 'text';
  text: string;
}

/**
 * An image a user sent, by reference to its bytes in the file store (the Files API's): a base64 image sent over
 * the API is stored there first, so no event and no workflow history carries image bytes. The model activity
 * reads them back when it builds a request (src/activities/file-sourced-blocks.ts).
 */
export interface ImageBlock {
  type: 'image';
  source: { type: 'file'; file_id: string };
}

/**
 * A document a user sent (a PDF or plain text), by reference to its file in the file store, as an image is: a
 * document sent as base64 or as text over the API is stored there first. `title` and `context` are the API's and
 * go to the model with it. `estimated_tokens` is Lucid's: what its content counts in the context estimate, worked
 * out from the bytes when the API server took it (src/domain/token-estimate.ts, documentContentTokens), since the
 * workflow sees only the file id. It is not sent to the model, nor shown in the API's events.
 */
export interface DocumentBlock {
  type: 'document';
  source: { type: 'file'; file_id: string };
  title?: string;
  context?: string;
  estimated_tokens: number;
}

/** What a user message holds. */
export type UserContentBlock = TextBlock | ImageBlock | DocumentBlock;

/** Why the agent stopped; `max_turns_reached` is Lucid's own addition to the Managed Agents set. */
export type StopReason =
  | { type: 'end_turn' }
  | { type: 'retries_exhausted' }
  | { type: 'max_turns_reached' }
  | { type: 'refusal' }
  /** The session's budget is spent: no model request is made until it is raised. */
  | { type: 'budget_reached' }
  /** The turn waits for the user: the events named (custom tool uses) need an answer before it runs on. */
  | { type: 'requires_action'; event_ids: string[] };

/**
 * Why a session stopped, as its snapshot says: the last turn's {@link StopReason}, or Lucid's own `error` when a
 * terminal error (a 400, 401, ...) ended the session; the snapshot's `error` then says which. The Managed Agents
 * API has no stop reason for a terminated session; `error` follows its workflow runs' `{type: "error", error}`
 * result. Only snapshots carry it, never a `session.status_idle` event.
 */
export type SessionStopReason = StopReason | { type: 'error' };

export type RetryStatus = { type: 'retrying' } | { type: 'exhausted' } | { type: 'terminal' };

export type SessionErrorType =
  | 'model_rate_limited_error'
  | 'model_overloaded_error'
  | 'model_request_failed_error'
  | 'unknown_error'
  /** One message cannot fit in the context window even after compaction; the session ends. */
  | 'compaction_limit_reached_error'
  /** Lucid: a signal whose payload was invalid; nothing was done with it. */
  | 'invalid_request_error'
  /** An MCP server could not be reached or listed at session start; the session goes on without it. */
  | 'mcp_connection_failed_error';

export interface SessionErrorObject {
  type: SessionErrorType;
  message: string;
  retry_status: RetryStatus;
  /** The server of an `mcp_connection_failed_error`. */
  mcp_server_name?: string;
}

interface EventBase {
  id: string;
  seq: number;
  processed_at: string;
  /** Set on every event of a thread's own log: which thread (sub-agent) did this. */
  session_thread_id?: string;
}

export type EvaluatedPermission = 'allow' | 'ask' | 'deny';

/**
 * Which policy produced `evaluated_permission`, as in the API; under auto, the judge's verdict with the API's
 * `reason_code` and Lucid's `reason` (the judge's sentence, or why it gave none) and `model` (the judge's model).
 */
export type ToolEvaluation =
  | { type: 'always_ask' }
  | {
      type: 'auto';
      evaluated_permission: { type: EvaluatedPermission; reason_code?: string };
      reason: string;
      model?: string;
    };

export type SessionEventBody =
  | { type: 'user.message'; content: UserContentBlock[] }
  | { type: 'user.interrupt' }
  | { type: 'agent.message'; content: TextBlock[] }
  | {
      type: 'agent.tool_use';
      tool_use_id: string;
      name: string;
      input: Record<string, unknown>;
      /**
       * Only on a call under always_ask (which waits for a `user.tool_confirmation`) or auto (the judge's verdict);
       * absent means allowed.
       */
      evaluated_permission?: EvaluatedPermission;
      evaluation?: ToolEvaluation;
    }
  /**
   * A user's answer to the tool use event `tool_use_id` (its event id) that waits for a confirmation; `decided_by`
   * is Lucid's: the API key id, "cli", or "temporal" for a signal.
   */
  | {
      type: 'user.tool_confirmation';
      tool_use_id: string;
      result: 'allow' | 'deny';
      deny_message?: string;
      decided_by: string;
    }
  | { type: 'agent.tool_result'; tool_use_id: string; content: TextBlock[]; is_error: boolean }
  | McpToolUseBody
  | McpToolResultBody
  /** A call of a custom tool, which the client runs; `tool_use_id` is the model's id (Lucid's, for the transcript). */
  | { type: 'agent.custom_tool_use'; tool_use_id: string; name: string; input: Record<string, unknown> }
  /**
   * The client's answer to the `agent.custom_tool_use` event `custom_tool_use_id`; `tool_use_id` is that call's
   * model id (Lucid's, for the transcript). The content is text, cut to the tool output limit.
   */
  | {
      type: 'user.custom_tool_result';
      custom_tool_use_id: string;
      tool_use_id: string;
      content: TextBlock[];
      is_error: boolean;
    }
  | { type: 'session.status_running' }
  | { type: 'session.status_idle'; stop_reason: StopReason; stop_details: null }
  | { type: 'session.status_terminated' }
  | { type: 'session.error'; error: SessionErrorObject }
  | { type: 'span.model_request_start'; model: string }
  | { type: 'span.model_request_end'; model_request_start_id: string; is_error: boolean; model_usage: Usage }
  | ContextClearedBody
  | {
      type: 'user.define_outcome';
      outcome_id: string;
      description: string;
      rubric: Rubric;
      max_iterations: number;
      /** Lucid: the agent is not shown the rubric. */
      rubric_hidden: boolean;
    }
  | { type: 'session.thread_created'; session_thread_id: string; agent_name: string; workflow_run_id: string | null }
  | { type: 'session.thread_status_running'; session_thread_id: string; agent_name: string }
  | {
      type: 'session.thread_status_idle';
      session_thread_id: string;
      agent_name: string;
      stop_reason: StopReason;
      stop_details: null;
    }
  | { type: 'session.thread_status_terminated'; session_thread_id: string; agent_name: string }
  | { type: 'agent.thread_message_sent'; to_session_thread_id: string; to_agent_name: string; content: TextBlock[] }
  | {
      type: 'agent.thread_message_received';
      from_session_thread_id: string;
      from_agent_name: string;
      content: TextBlock[];
    }
  | ThreadContextCompactedBody
  | { type: 'span.outcome_evaluation_start'; outcome_id: string; iteration: number }
  | { type: 'span.outcome_evaluation_ongoing'; outcome_id: string; iteration: number }
  | {
      type: 'span.outcome_evaluation_end';
      outcome_evaluation_start_id: string;
      outcome_id: string;
      iteration: number;
      result: EvaluationResult;
      explanation: string;
      /** Lucid: the grader's verdict per rubric criterion (empty when there was no valid verdict). */
      criteria: CriterionVerdict[];
      /** Lucid: how many evaluations the outcome allows, so feedback can say "n of max". */
      max_iterations: number;
      usage: Usage;
    };

/**
 * `agent.thread_context_compacted`: the Managed Agents event (which has only `id`, `processed_at` and `type`),
 * with Lucid's fields for what was compacted. The summary lives in this event: it is the one record of the
 * compaction, so the transcript builder needs nothing else to start from it. The log keeps every summarised event;
 * only what is sent to the model shrinks.
 */
export interface ThreadContextCompactedBody {
  type: 'agent.thread_context_compacted';
  /** Lucid: the first and last seq summarised (the first is 1, or the event after an earlier summary's range). */
  compacted_from_seq: number;
  compacted_through_seq: number;
  /** Lucid: the estimated size of the next request before and after compaction. */
  tokens_before: number;
  tokens_after: number;
  /** Lucid: the summary the model continues from, in place of every event up to `compacted_through_seq`. */
  summary: TextBlock[];
}

/**
 * Lucid: old tool results are sent to the model as placeholders from here on (the log keeps them whole). Every
 * tool result at or below `cleared_through_seq` is cleared; this batch cleared `tool_results_cleared` more. The
 * estimates are of the next request's input tokens, with the shared token estimate.
 */
export interface ContextClearedBody {
  type: 'span.context_cleared';
  cleared_through_seq: number;
  tool_results_cleared: number;
  estimated_tokens_before: number;
  estimated_tokens_after: number;
}

export type SessionEvent = EventBase & SessionEventBody;
export type SessionEventType = SessionEvent['type'];

/** Status of a session, as in the Managed Agents API (Lucid never reports `rescheduling`: Temporal retries silently). */
export type SessionStatus = 'running' | 'idle' | 'rescheduling' | 'terminated';

/** The final (or current) state of a session; the workflow result. */
export interface SessionSnapshot {
  session_id: string;
  agent: string;
  status: SessionStatus;
  stop_reason: SessionStopReason | null;
  /**
   * The terminal error that ended the session (`stop_reason` is then `{type: "error"}`), else null. Absent from
   * snapshots stored before it existed.
   */
  error?: SessionErrorObject | null;
  /** The last text the agent produced. */
  final_message: string | null;
  usage: Usage;
  /** Tokens the outcome grader used, counted apart from the agent's. */
  grader_usage: Usage;
  outcome_evaluations: OutcomeEvaluation[];
  /** The lead's threads (sub-agents); `usage` above already includes theirs. */
  threads: ThreadSummary[];
  turns: number;
  event_count: number;
  workspace: string;
  created_at: string;
  updated_at: string;
}

export function textBlocks(text: string): TextBlock[] {
  return [{ type: 'text', text }];
}

export function textOf(blocks: readonly UserContentBlock[]): string {
  return blocks.map(blockText).join('');
}

/** A block as text for reading: an image or a document is named by its file, so a reader knows one was there. */
export function blockText(block: UserContentBlock): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
      return `[image ${block.source.file_id}]`;
    case 'document': {
      const title = block.title ? ` "${block.title}"` : '';
      return `[document${title} ${block.source.file_id}, ~${block.estimated_tokens} tokens]`;
    }
  }
}

/**
 * `agent.mcp_tool_use`: the model called a tool of an MCP server. `name` is the server's name for it; Lucid keeps
 * the model's call id (`tool_use_id`) and the name the model was offered (`tool_name`, which differs when it was
 * namespaced, src/domain/mcp-tools.ts) for the transcript; the API shape drops both.
 */
export interface McpToolUseBody {
  type: 'agent.mcp_tool_use';
  tool_use_id: string;
  tool_name: string;
  mcp_server_name: string;
  name: string;
  input: Record<string, unknown>;
  /** "ask" when the call waits for a `user.tool_confirmation` (always_ask, the API's default), or auto's verdict. */
  evaluated_permission: EvaluatedPermission;
  evaluation?: ToolEvaluation;
}

/** `agent.mcp_tool_result`: `mcp_tool_use_id` is the model's call id here; the API shape names the use event. */
export interface McpToolResultBody {
  type: 'agent.mcp_tool_result';
  mcp_tool_use_id: string;
  content: TextBlock[];
  is_error: boolean;
}
