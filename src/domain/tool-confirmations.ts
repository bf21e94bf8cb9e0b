/**
 * Permission confirmations (docs/tools.md, "permission_policy"): a call of a tool whose policy is `always_ask` is
 * logged with `evaluated_permission: "ask"` and waits until a user answers `user.tool_confirmation`.
 */
import { z } from 'zod';
import { enabledToolNames, permissionPolicyOf } from './agent-toolset';
import { mcpPermissionPolicyOf } from './mcp-servers';

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

type WithPolicies = Parameters<typeof permissionPolicyOf>[0] & Parameters<typeof mcpPermissionPolicyOf>[0];

/** Whether a call of the Managed Agents toolset's tool `name` waits for a confirmation. */
export function toolsetToolAsks(agent: WithPolicies, name: string): boolean {
  if (!enabledToolNames(agent).includes(name)) return false;
  return permissionPolicyOf(agent, name).type === 'always_ask';
}

/** Whether a call of the MCP tool `name` of `server` waits for a confirmation (the API's default is to ask). */
export function mcpToolAsks(agent: WithPolicies, server: string, name: string): boolean {
  return mcpPermissionPolicyOf(agent, server, name).type === 'always_ask';
}
