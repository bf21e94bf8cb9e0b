/**
 * The `session` object the API answers with (the SDK's BetaManagedAgentsSession): what the API stored at creation
 * (the session record) joined with the session's live snapshot (its workflow's, or the one it saved when it
 * ended). A session started without the API (CLI, LucidClient, Temporal CLI) has no record: it is shown from its
 * snapshot alone, with the agent by name.
 */
import type { BetaManagedAgentsSession } from '@anthropic-ai/sdk/resources/beta/sessions/sessions';
import type { ApiAgentVersion } from '../../domain/api-agent';
import type { SessionSnapshot } from '../../domain/events';
import type { SessionRecord } from '../../storage/session-record-store';
import { listCostCents } from '../../domain/list-prices';
import { agentObject } from '../agents/agent-object';

type SessionAgent = BetaManagedAgentsSession['agent'];

export function sessionObject(
  record: SessionRecord | null,
  snapshot: SessionSnapshot | null,
  now: Date,
): BetaManagedAgentsSession {
  const createdAt = record?.created_at ?? snapshot?.created_at ?? now.toISOString();
  const status = snapshot?.status ?? 'idle';
  const endedAt = status === 'terminated' && snapshot ? Date.parse(snapshot.updated_at) : now.getTime();
  return {
    type: 'session',
    id: record?.id ?? snapshot!.session_id,
    status,
    agent: record ? sessionAgent(record) : namedAgent(snapshot?.agent ?? ''),
    environment_id: record?.environment_id ?? '',
    title: record?.title ?? null,
    metadata: record?.metadata ?? {},
    resources: (record?.resources ?? []) as unknown as BetaManagedAgentsSession['resources'],
    budget: (record?.budget ?? null) as BetaManagedAgentsSession['budget'],
    vault_ids: record?.vault_ids ?? [],
    outcome_evaluations: (snapshot?.outcome_evaluations ?? []).map((evaluation) => ({
      type: 'outcome_evaluation',
      outcome_id: evaluation.outcome_id,
      description: evaluation.description,
      result: evaluation.result,
      iteration: evaluation.iteration,
      explanation: evaluation.explanation,
      completed_at: evaluation.completed_at,
    })),
    stats: { duration_seconds: Math.max(0, (endedAt - Date.parse(createdAt)) / 1000) },
    usage: usageOf(snapshot, record?.agent.model),
    deployment_id: null,
    created_at: createdAt,
    updated_at: record?.updated_at ?? snapshot?.updated_at ?? createdAt,
    archived_at: record?.archived_at ?? null,
  };
}

/**
 * The pinned agent version, as the API shows an agent inside a session (no metadata or timestamps), its
 * coordinator's roster shown whole, as the versions the session pinned.
 */
function sessionAgent(record: SessionRecord): SessionAgent {
  const agent = threadAgent(record.agent);
  if (!record.agent.multiagent) return { ...agent, multiagent: null };
  return { ...agent, multiagent: { type: 'coordinator', agents: (record.roster ?? []).map(threadAgent) } };
}

function threadAgent(version: ApiAgentVersion) {
  const {
    metadata: _m,
    created_at: _c,
    updated_at: _u,
    archived_at: _a,
    multiagent: _ma,
    ...agent
  } = agentObject(version, null);
  return agent;
}

/** A session Lucid started without the API runs an agent by name (agents/*.json) or inline: no id or version. */
function namedAgent(name: string): SessionAgent {
  return {
    type: 'agent',
    id: name,
    version: 0,
    name,
    description: null,
    system: null,
    model: { id: '' },
    tools: [],
    mcp_servers: [],
    skills: [],
    multiagent: null,
    execution_identity: { type: 'service_account' },
  };
}

/**
 * Lucid counts cache writes without their lifetime; the API's breakdown shows them as 5-minute writes. The list
 * cost is that of the agent's model, in whole cents, when Lucid knows its price.
 */
function usageOf(snapshot: SessionSnapshot | null, model: string | undefined): BetaManagedAgentsSession['usage'] {
  const usage = snapshot?.usage;
  const cents = usage && model ? listCostCents(usage, model) : null;
  return {
    input_tokens: usage?.input_tokens ?? 0,
    output_tokens: usage?.output_tokens ?? 0,
    cache_read_input_tokens: usage?.cache_read_input_tokens ?? 0,
    cache_creation: {
      ephemeral_5m_input_tokens: usage?.cache_creation_input_tokens ?? 0,
      ephemeral_1h_input_tokens: 0,
    },
    server_tool_use: null,
    list_cost: cents === null ? null : { amount: String(Math.round(cents)), currency: 'USD' },
  };
}
