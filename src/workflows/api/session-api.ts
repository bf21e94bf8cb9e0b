/**
 * The `agentSession` workflow's API: the names and types of its signals, updates and queries, and its input. No
 * logic lives here, so the client, the CLI and other workflows import it without pulling in the workflow itself.
 *
 * Every request a user sends exists twice under one name: as an Update, which validates the request before it
 * reaches history and answers with the event it produced, and as a Signal, kept for the Temporal CLI
 * (`temporal workflow signal --name user.message`) and older callers. Temporal keeps signal and update handlers
 * apart, so sharing the name is allowed.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { FailureType } from '../../domain/failure-types';
import type { SessionSnapshot } from '../../domain/events';
import type { OutcomeDefinitionInput } from '../../domain/outcome';
import type { CustomToolResult } from '../../domain/custom-tools';
import type { ToolConfirmation } from '../../domain/tool-confirmations';
import type { SessionInput, UserMessage } from '../../domain/session-input';
import type { ThreadReport } from '../../domain/threads';
import type { Usage } from '../../domain/usage';
import type { EventsPage, EventsPageRequest } from '../event-log';
import type { SessionState } from '../session-state';

export type { SessionInput, UserMessage, OutcomeDefinitionInput, CustomToolResult, ToolConfirmation };

/** The workflow type the worker registers `agentSession` under; threads start their children by it. */
export const AGENT_SESSION_WORKFLOW = 'agentSession';

/** What `continueAsNew` passes to the next run. */
export interface ContinuedSession {
  continued: SessionState;
}

/** The event an update was accepted as: its id and its place in the session's event log. */
export interface AcceptedEvent {
  event_id: string;
  seq: number;
}

/** The failure type of a rejected update, so a caller can tell why without parsing the message. */
export const SessionRequestRejection = {
  /** The request itself is malformed (it fails its schema). */
  invalid: FailureType.InvalidSessionRequest,
  /** The session has terminated and takes no more requests. */
  ended: FailureType.SessionEnded,
  /** An interrupt, but no turn is running (the session is idle). */
  notRunning: FailureType.SessionNotRunning,
} as const;

/** Sends the agent a user message; a running turn sees it at its next model request, an idle session wakes up. */
export const userMessageUpdate = defineUpdate<AcceptedEvent, [UserMessage]>('user.message');
export const userMessageSignal = defineSignal<[UserMessage]>('user.message');

/** Stops the current turn at the next safe point (before the next model request); rejected when no turn runs. */
export const interruptUpdate = defineUpdate<AcceptedEvent, []>('user.interrupt');
export const interruptSignal = defineSignal<[]>('user.interrupt');

/**
 * Gives the session an outcome to achieve: {description, rubric, max_iterations?, grader_model?, hide_rubric?}.
 * The update answers once the session has taken the outcome up (its `user.define_outcome` event).
 */
export const defineOutcomeUpdate = defineUpdate<AcceptedEvent, [OutcomeDefinitionInput]>('user.define_outcome');
export const defineOutcomeSignal = defineSignal<[OutcomeDefinitionInput]>('user.define_outcome');

/**
 * Answers a custom tool call the session waits for: {custom_tool_use_id, content: [{type: "text", text}],
 * is_error?}. The update is refused, changing nothing, for an id no call waits under (unknown, or answered
 * already); it answers with the `user.custom_tool_result` event.
 */
export const customToolResultUpdate = defineUpdate<AcceptedEvent, [CustomToolResult]>('user.custom_tool_result');
export const customToolResultSignal = defineSignal<[CustomToolResult]>('user.custom_tool_result');

/**
 * Allows or denies a tool call that waits for a confirmation (its policy is always_ask): {tool_use_id (the id of
 * its agent.tool_use or agent.mcp_tool_use event), result: "allow" | "deny", deny_message?, decided_by?}. The
 * update is refused, changing nothing, for an id no confirmation waits under; it answers with the
 * `user.tool_confirmation` event.
 */
export const toolConfirmationUpdate = defineUpdate<AcceptedEvent, [ToolConfirmation]>('user.tool_confirmation');
export const toolConfirmationSignal = defineSignal<[ToolConfirmation]>('user.tool_confirmation');

/**
 * Archives the session (the Managed Agents API's archive): an idle session ends at once, a running one after its
 * turn is interrupted. Answers once the session has taken it; the workflow then completes with its final snapshot.
 */
export const archiveUpdate = defineUpdate<void, []>('lucid.archive');

/** Internal: a thread (a sub-agent's session) reports each finished turn to its lead. */
export const threadReportSignal = defineSignal<[ThreadReport]>('lucid.thread_report');

export const snapshotQuery = defineQuery<SessionSnapshot>('status');
export const usageQuery = defineQuery<Usage>('usage');
export const eventsQuery = defineQuery<EventsPage, [EventsPageRequest?]>('events');
