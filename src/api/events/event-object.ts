/**
 * Lucid's stored session events in the API's wire shape (the SDK's BetaManagedAgentsSessionEvent). The stored log
 * stays as the workflow wrote it, so recorded histories and older logs stay valid; the differences are mapped here,
 * when an event is read:
 * - `agent.tool_result.tool_use_id` is the id of its `agent.tool_use` EVENT (the API's meaning), not the model's
 *   `toolu_` id, which the log keeps for the transcript; `agent.tool_use` drops that model id.
 * - `session_thread_id` marks, in the API, an event cross-posted from a child thread; Lucid tags every event of a
 *   thread's own log with it instead, so the tag is dropped. The `session.thread_*` events keep it: there it names
 *   the thread the event is about.
 * - Event ids are single URL path segments: a thread's log is kept under `<session>/<thread>`, whose `/` becomes `_`.
 * - `session.thread_created.workflow_run_id` names, in the API, a multiagent workflow run; Lucid's value there is
 *   the thread's Temporal run id, so it is sent as `temporal_run_id` and `workflow_run_id` is null.
 * - `agent.mcp_tool_use` drops the model's id and the offered name (`tool_use_id`, `tool_name`), and
 *   `agent.mcp_tool_result.mcp_tool_use_id` is the id of its `agent.mcp_tool_use` event, as for built-in tools.
 * - `agent.custom_tool_use` and `user.custom_tool_result` drop the model's id as `agent.tool_use` does; a custom call
 *   that ended without an answer (interrupt, wait limit) has an `agent.tool_result` naming its custom tool use.
 * - `user.tool_confirmation.tool_use_id` names the waiting tool use event (its API id); `decided_by` is Lucid's.
 * - `seq` is Lucid's; the id carries it (see {@link seqOfApiEventId}), so it is not sent.
 * - A `user.message`'s document blocks drop Lucid's `estimated_tokens` (the context estimate's, not the API's).
 */
import type { SessionEvent } from '../../domain/events';
import { eventId } from '../../domain/ids';

/** An event as the API sends it: `id`, `type`, `processed_at` and the type's own fields. */
export type ApiEvent = { id: string; type: string; processed_at: string } & Record<string, unknown>;

/** The types whose `session_thread_id` names the thread they are about, so it is part of their body. */
const THREAD_EVENT_TYPES: ReadonlySet<string> = new Set([
  'session.thread_created',
  'session.thread_status_running',
  'session.thread_status_idle',
  'session.thread_status_terminated',
]);

/**
 * Which `agent.tool_use` event carried each model tool call, for the tool results that answer them. Feed it the
 * log in order ({@link note}); a tool use always comes before its result.
 */
export class ToolUseIndex {
  private readonly eventIds = new Map<string, string>();

  note(event: SessionEvent): void {
    if (
      event.type === 'agent.tool_use' ||
      event.type === 'agent.mcp_tool_use' ||
      event.type === 'agent.custom_tool_use'
    )
      this.eventIds.set(event.tool_use_id, apiEventId(event.id));
  }

  /** The API id of the `agent.tool_use` event of the model's call `toolUseId`, if it was noted. */
  eventIdOf(toolUseId: string): string | undefined {
    return this.eventIds.get(toolUseId);
  }
}

/**
 * One stored event in the API's shape. `toolUses` must have seen the log up to this event (it notes this one
 * too); without it a tool result keeps the model's id, so pass it whenever the log is at hand.
 */
export function toApiEvent(event: SessionEvent, toolUses: ToolUseIndex = new ToolUseIndex()): ApiEvent {
  toolUses.note(event);
  const { seq: _seq, session_thread_id: threadTag, ...rest } = event;
  const body: Record<string, unknown> = { ...rest, id: apiEventId(event.id) };
  if (threadTag !== undefined && THREAD_EVENT_TYPES.has(event.type)) body.session_thread_id = threadTag;
  switch (event.type) {
    case 'user.message':
      body.content = event.content.map((block) => {
        if (block.type !== 'document') return block;
        const { estimated_tokens: _estimate, ...apiBlock } = block;
        return apiBlock;
      });
      break;
    case 'agent.tool_use':
    case 'agent.custom_tool_use':
      delete body.tool_use_id;
      break;
    case 'user.custom_tool_result':
      delete body.tool_use_id;
      body.custom_tool_use_id = apiEventId(event.custom_tool_use_id);
      break;
    case 'user.tool_confirmation':
      body.tool_use_id = apiEventId(event.tool_use_id);
      break;
    case 'session.status_idle':
      if (event.stop_reason.type === 'requires_action')
        body.stop_reason = { ...event.stop_reason, event_ids: event.stop_reason.event_ids.map(apiEventId) };
      break;
    case 'agent.tool_result':
      body.tool_use_id = toolUses.eventIdOf(event.tool_use_id) ?? event.tool_use_id;
      break;
    case 'agent.mcp_tool_use':
      delete body.tool_use_id;
      delete body.tool_name;
      break;
    case 'agent.mcp_tool_result':
      body.mcp_tool_use_id = toolUses.eventIdOf(event.mcp_tool_use_id) ?? event.mcp_tool_use_id;
      break;
    case 'session.thread_created':
      body.workflow_run_id = null;
      body.temporal_run_id = event.workflow_run_id;
      break;
    case 'span.model_request_end':
      body.model_request_start_id = apiEventId(event.model_request_start_id);
      break;
    case 'span.outcome_evaluation_end':
      body.outcome_evaluation_start_id = apiEventId(event.outcome_evaluation_start_id);
      break;
  }
  return body as ApiEvent;
}

/** A whole log (or its first part) in the API's shape, in order. */
export function toApiEvents(events: readonly SessionEvent[], toolUses = new ToolUseIndex()): ApiEvent[] {
  return events.map((event) => toApiEvent(event, toolUses));
}

/** A stored event id as the API sends it: one URL path segment. */
export function apiEventId(storedId: string): string {
  return storedId.replaceAll('/', '_');
}

/**
 * The seq of an event of the log `logId` (a session id, or `<session>/<thread>` for a thread's own log) from its
 * API id; null when the id is not one of that log's. Seq 0 names the point before the first event.
 */
export function seqOfApiEventId(logId: string, id: string): number | null {
  const prefix = apiEventId(eventId(logId, 0)).slice(0, -1);
  if (!id.startsWith(prefix)) return null;
  const digits = id.slice(prefix.length);
  if (!/^(0|[1-9][0-9]{0,9})$/.test(digits)) return null;
  return Number(digits);
}
