/**
 * Permission confirmations in a session: a call of a tool whose policy is `always_ask` (or `auto` when the judge,
 * ./permission-judge.ts, reached no verdict) is logged with `evaluated_permission: "ask"` and waits (in
 * ./pending-tool-calls.ts, shared with custom tool calls) for a `user.tool_confirmation`. Allowed, it runs; denied, it is a tool error carrying the deny message; an interrupt or
 * the wait limit ends it as a tool error too. Each answer is logged with who decided.
 */
import type { ModelContentBlock } from '../activities/model';
import { describeIssues } from '../domain/session-input';
import type { JudgeVerdict } from '../domain/permission-judge';
import {
  ASK_FIELDS,
  autoFields,
  mcpToolPolicy,
  SIGNAL_DECIDER,
  toolsetToolPolicy,
  ToolConfirmationSchema,
  type ToolConfirmation,
} from '../domain/tool-confirmations';
import type { EventLog } from './event-log';
import type { PendingOutcome, PendingToolCalls, UserAnswer } from './pending-tool-calls';
import type { SessionState } from './session-state';

type ToolUse = Extract<ModelContentBlock, { type: 'tool_use' }>;
type PolicyType = ReturnType<typeof toolsetToolPolicy>;

/** Why a call does not run: the tool error the model gets. */
export interface Refusal {
  content: string;
  is_error: true;
}

export class ToolConfirmations {
  /** The event id of each call that asks, by the model's id. */
  private readonly eventIds = new Map<string, string>();
  /** The auto judge's reason for each call it denied, by the model's id. */
  private readonly denials = new Map<string, string>();

  constructor(
    private readonly log: EventLog,
    private readonly agent: SessionState['agent'],
    private readonly pending: PendingToolCalls<UserAnswer>,
  ) {}

  /** The policy of a call of the toolset tool `name`. */
  toolsetToolPolicy(name: string): PolicyType {
    return toolsetToolPolicy(this.agent, name);
  }

  /** The policy of a call of an MCP server's tool. */
  mcpToolPolicy(server: string, name: string): PolicyType {
    return mcpToolPolicy(this.agent, server, name);
  }

  /**
   * The permission fields of the use event of `toolUse` under `policy` ({} for an allowed call, so the events of
   * other sessions stay as they were), given the auto judge's `verdict` (absent for runs from before the judge,
   * which ran auto calls as allowed). A denied call is remembered here; {@link note} the asking ones.
   */
  permissionFields(toolUse: ToolUse, policy: PolicyType, verdict: JudgeVerdict | undefined) {
    if (policy === 'always_ask') return { fields: ASK_FIELDS, asks: true };
    if (policy !== 'auto' || verdict === undefined) return { fields: {}, asks: false };
    if (verdict.verdict === 'deny') this.denials.set(toolUse.id, verdict.reason);
    return { fields: autoFields(verdict), asks: verdict.verdict === 'ask' };
  }

  /** Notes that the call logged as event `eventId` waits for a confirmation before it runs. */
  note(toolUseId: string, eventId: string): void {
    this.eventIds.set(toolUseId, eventId);
  }

  /** Whether the model's call `toolUseId` waits for a confirmation before it runs, or was denied by the judge. */
  holds(toolUseId: string): boolean {
    return this.eventIds.has(toolUseId) || this.denials.has(toolUseId);
  }

  /** The judge's denial, or the user's decision on a noted call: null to run it, else the tool error the model gets. */
  async decide(toolUse: ToolUse): Promise<Refusal | null> {
    const denial = this.denials.get(toolUse.id);
    if (denial !== undefined) {
      return { is_error: true, content: `the permission judge denied the ${toolUse.name} call: ${denial}` };
    }
    const eventId = this.eventIds.get(toolUse.id);
    if (eventId === undefined) return null;
    return refusalOf(toolUse.name, await this.pending.wait(eventId));
  }

  /** Why `raw` cannot answer a waiting call (malformed, unknown or answered id), or null when it can. */
  problemWith(raw: unknown): string | null {
    const parsed = ToolConfirmationSchema.safeParse(raw);
    if (!parsed.success) return `invalid user.tool_confirmation: ${describeIssues(parsed.error)}`;
    const eventId = this.storedId(parsed.data.tool_use_id);
    const problem = this.pending.problemWith(eventId);
    if (problem || this.isConfirmation(eventId)) return problem;
    return `${eventId} is a custom tool call: answer it with user.custom_tool_result; nothing was changed`;
  }

  /** The stored id of the call `raw` answers, or null when `raw` is malformed. */
  answeredId(raw: unknown): string | null {
    const parsed = ToolConfirmationSchema.safeParse(raw);
    return parsed.success ? this.storedId(parsed.data.tool_use_id) : null;
  }

  /** Logs the decision and hands it to the waiting call (check {@link problemWith} first). */
  accept(confirmation: ToolConfirmation): { id: string; seq: number } {
    const eventId = this.storedId(confirmation.tool_use_id);
    const denyMessage = confirmation.deny_message ?? undefined;
    const event = this.log.emit({
      type: 'user.tool_confirmation',
      tool_use_id: eventId,
      result: confirmation.result,
      ...(denyMessage === undefined ? {} : { deny_message: denyMessage }),
      decided_by: confirmation.decided_by ?? SIGNAL_DECIDER,
    });
    this.pending.answer(eventId, { kind: 'tool_confirmation', result: confirmation.result, deny_message: denyMessage });
    return event;
  }

  private isConfirmation(eventId: string): boolean {
    return [...this.eventIds.values()].includes(eventId);
  }

  /** The stored id of the event the API names `id` (a thread's `/` is `_` there, event-object.ts). */
  private storedId(id: string): string {
    for (const stored of this.eventIds.values()) if (stored === id || stored.replaceAll('/', '_') === id) return stored;
    return id;
  }
}

function refusalOf(name: string, outcome: PendingOutcome<UserAnswer>): Refusal | null {
  switch (outcome.kind) {
    case 'answered': {
      const answer = outcome.answer;
      if (answer.kind === 'tool_confirmation' && answer.result === 'allow') return null;
      const message = answer.kind === 'tool_confirmation' ? answer.deny_message : undefined;
      return { is_error: true, content: `the user denied the ${name} call${message ? `: ${message}` : ''}` };
    }
    case 'cancelled':
      return { is_error: true, content: `the ${name} call was denied: the user interrupted before confirming it` };
    case 'timed_out':
      return {
        is_error: true,
        content: `the ${name} call was denied: no confirmation came within ${outcome.waited_seconds} s`,
      };
  }
}
