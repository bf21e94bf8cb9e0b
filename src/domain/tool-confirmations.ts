/**
 * Permission confirmations (docs/tools.md, "permission_policy"): a call of a tool whose policy is `always_ask` is
 * logged with `evaluated_permission: "ask"` and waits until a user answers `user.tool_confirmation`; under `auto`
 * the judge's verdict (./permission-judge.ts) decides, and a call it reached none on waits the same way.
 */
import { z } from 'zod';
import { enabledToolNames, permissionPolicyOf } from './agent-toolset';
import { mcpPermissionPolicyOf } from './mcp-servers';
import type { JudgeVerdict } from './permission-judge';

/** What a user answers a confirmation with (the API's `user.tool_confirmation`, without its type). */
export const ToolConfirmationSchema = z
  .strictObject({
    /** The id of the `agent.tool_use` or `agent.mcp_tool_use` event that waits. */
    tool_use_id: z.string().min(1).max(256),
    result: z.enum(['allow', 'deny']),
    deny_message: z.string().max(10_000).nullish(),
    /**
     * Lucid's: who decided. The HTTP API sets it to the caller's API key id, the CLI to "cli"; a signal without it
     * (the Temporal CLI) is logged as "temporal".
     */
    decided_by: z.string().min(1).max(256).optional(),
  })
  .refine((confirmation) => confirmation.result === 'deny' || confirmation.deny_message == null, {
    message: 'deny_message is only allowed when result is "deny"',
    path: ['deny_message'],
  });
export type ToolConfirmation = z.infer<typeof ToolConfirmationSchema>;

/** Who a confirmation sent without `decided_by` is logged as: a signal from the Temporal CLI. */
export const SIGNAL_DECIDER = 'temporal';

/** The fields a tool use event gets when its call waits for a confirmation (absent for an allowed call). */
export const ASK_FIELDS = { evaluated_permission: 'ask', evaluation: { type: 'always_ask' } } as const;

type PolicyType = ReturnType<typeof permissionPolicyOf>['type'];
type WithPolicies = Parameters<typeof permissionPolicyOf>[0] & Parameters<typeof mcpPermissionPolicyOf>[0];

/** The policy of a call of the Managed Agents toolset's tool `name` (always_allow for any other name). */
export function toolsetToolPolicy(agent: WithPolicies, name: string): PolicyType {
  if (!enabledToolNames(agent).includes(name)) return 'always_allow';
  return permissionPolicyOf(agent, name).type;
}

/** The policy of a call of the MCP tool `name` of `server` (the API's default is to ask). */
export function mcpToolPolicy(agent: WithPolicies, server: string, name: string): PolicyType {
  return mcpPermissionPolicyOf(agent, server, name).type;
}

/**
 * The fields a tool use event gets from the `auto` judge's verdict: the API's `evaluated_permission` and
 * `evaluation: {type: "auto", evaluated_permission: {type, reason_code?}}`, plus Lucid's `reason` (the judge's
 * sentence, or why there was none) and `model` (the judge's model, when one answered).
 */
export function autoFields(verdict: JudgeVerdict) {
  const reasonCode = { allow: {}, deny: { reason_code: 'high_risk' }, ask: { reason_code: 'indeterminate' } }[
    verdict.verdict
  ];
  return {
    evaluated_permission: verdict.verdict,
    evaluation: {
      type: 'auto' as const,
      evaluated_permission: { type: verdict.verdict, ...reasonCode },
      reason: verdict.reason,
      ...(verdict.model === undefined ? {} : { model: verdict.model }),
    },
  };
}
