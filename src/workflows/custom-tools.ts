/**
 * Custom tools in a session: a model's call of one is logged as `agent.custom_tool_use` and waits (in
 * ./pending-tool-calls.ts) for the client's `user.custom_tool_result`; nothing runs on the worker. The answer goes
 * to the model as the call's tool result; an interrupt or the wait limit ends the call with a tool error instead.
 */
import type { ModelContentBlock } from '../activities/model';
import {
  customToolNames,
  customToolResultContent,
  CustomToolResultSchema,
  type CustomToolResult,
} from '../domain/custom-tools';
import { describeIssues } from '../domain/session-input';
import type { EventLog } from './event-log';
import type { PendingOutcome, PendingToolCalls, UserAnswer } from './pending-tool-calls';

type ToolUse = Extract<ModelContentBlock, { type: 'tool_use' }>;

/** What the model gets for a call; `recorded` when its result event is in the log already (the client's answer). */
export interface CustomToolOutcome {
  content: string;
  is_error: boolean;
  recorded?: true;
}

export class CustomToolCalls {
  private readonly names: Set<string>;
  /** The model's id of each logged call, by its event id. */
  private readonly toolUseIds = new Map<string, string>();
  /** The event id of each logged call, by the model's id. */
  private readonly eventIds = new Map<string, string>();

  constructor(
    private readonly log: EventLog,
    tools: readonly unknown[],
    /** The session's waiting calls, shared with confirmations so one `requires_action` names them all. */
    private readonly pending: PendingToolCalls<UserAnswer>,
  ) {
    this.names = customToolNames(tools);
  }

  /** Whether `name` is one of the agent's custom tools. */
  owns(name: string): boolean {
    return this.names.has(name);
  }

  /** The agent's custom tool names, for the list of tools it may call. */
  toolNames(): string[] {
    return [...this.names];
  }

  /** Logs the model's call as `agent.custom_tool_use` (in place of `agent.tool_use`). */
  record(toolUse: ToolUse): void {
    const event = this.log.emit({
      type: 'agent.custom_tool_use',
      tool_use_id: toolUse.id,
      name: toolUse.name,
      input: toolUse.input,
    });
    this.toolUseIds.set(event.id, toolUse.id);
    this.eventIds.set(toolUse.id, event.id);
  }

  /** Waits for the client's answer to a recorded call; the outcome is what the model gets. */
  async call(toolUse: ToolUse): Promise<CustomToolOutcome> {
    const eventId = this.eventIds.get(toolUse.id);
    if (eventId === undefined) return { is_error: true, content: `custom tool call ${toolUse.id} was not recorded` };
    return modelOutcome(toolUse.name, await this.pending.wait(eventId));
  }

  /** Why `raw` cannot answer a waiting call (malformed, unknown or answered id), or null when it can. */
  problemWith(raw: unknown): string | null {
    const parsed = CustomToolResultSchema.safeParse(raw);
    if (!parsed.success) return `invalid user.custom_tool_result: ${describeIssues(parsed.error)}`;
    const eventId = this.storedId(parsed.data.custom_tool_use_id);
    const problem = this.pending.problemWith(eventId);
    if (problem || this.toolUseIds.has(eventId)) return problem;
    return `${eventId} waits for a user.tool_confirmation, not a custom tool result; nothing was changed`;
  }

  /** The stored id of the call `raw` answers, or null when `raw` is malformed. */
  answeredId(raw: unknown): string | null {
    const parsed = CustomToolResultSchema.safeParse(raw);
    return parsed.success ? this.storedId(parsed.data.custom_tool_use_id) : null;
  }

  /** Logs the client's answer and hands it to the waiting call (check {@link problemWith} first). */
  accept(result: CustomToolResult): { id: string; seq: number } {
    const eventId = this.storedId(result.custom_tool_use_id);
    const content = customToolResultContent(result);
    const is_error = result.is_error ?? false;
    const event = this.log.emit({
      type: 'user.custom_tool_result',
      custom_tool_use_id: eventId,
      tool_use_id: this.toolUseIds.get(eventId) ?? eventId,
      content,
      is_error,
    });
    this.pending.answer(eventId, { kind: 'custom_tool_result', content, is_error });
    return event;
  }

  /** The stored id of the event the API names `id` (a thread's `/` is `_` there, event-object.ts). */
  private storedId(id: string): string {
    for (const stored of this.toolUseIds.keys()) if (stored === id || stored.replaceAll('/', '_') === id) return stored;
    return id;
  }
}

function modelOutcome(name: string, outcome: PendingOutcome<UserAnswer>): CustomToolOutcome {
  switch (outcome.kind) {
    case 'answered':
      if (outcome.answer.kind !== 'custom_tool_result')
        return { is_error: true, content: `the ${name} call got no result` };
      return {
        content: outcome.answer.content.map((block) => block.text).join(''),
        is_error: outcome.answer.is_error,
        recorded: true,
      };
    case 'cancelled':
      return {
        is_error: true,
        content: `the ${name} call was cancelled: the user interrupted before the client answered`,
      };
    case 'timed_out':
      return {
        is_error: true,
        content: `the ${name} call got no result from the client within ${outcome.waited_seconds} s`,
      };
  }
}
