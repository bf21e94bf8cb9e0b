/**
 * An agent as the Managed Agents API keeps it: an `agent_` id and a version that goes up by one on every change,
 * each version an immutable snapshot. Lucid runs it as an AgentDefinition (agent-definition.ts); the fields here
 * are the ones Lucid can honour, so nothing the API accepts is stored and then ignored (src/api/agent-body.ts
 * refuses the rest).
 */
import { AgentDefinitionSchema, type AgentDefinition } from './agent-definition';
import type { AgentTools } from './agent-toolset';
import { describeIssues } from './session-input';

export interface ApiAgentVersion {
  id: string;
  version: number;
  name: string;
  description: string | null;
  system: string | null;
  /** The model id; the API's `model` object without `effort`, `speed` or `inference_geo`. */
  model: string;
  /** The Managed Agents toolset as sent (at most one `agent_toolset_20260401` entry). */
  tools: AgentTools;
  metadata: Record<string, string>;
  /** When the agent was first created; the same on every version. */
  created_at: string;
  /** When this version was made. */
  updated_at: string;
}

/** How Lucid runs an API agent: the definition a session of it gets; `issues` when Lucid cannot run it. */
export function agentDefinitionOf(
  agent: ApiAgentVersion,
): { ok: true; definition: AgentDefinition } | { ok: false; issues: string } {
  const parsed = AgentDefinitionSchema.safeParse({
    name: agent.name,
    model: agent.model,
    system: agent.system ?? '',
    tools: agent.tools,
    ...(agent.description === null ? {} : { description: agent.description }),
  });
  return parsed.success ? { ok: true, definition: parsed.data } : { ok: false, issues: describeIssues(parsed.error) };
}
