/**
 * The agent's `multiagent` configuration (the SDK's BetaManagedAgentsMultiagentCoordinatorParams) mapped to Lucid's
 * threads: a `coordinator` whose `agents` roster names other API agents. Each entry is resolved to a concrete
 * version when the agent is saved, as the API does, and becomes an inline sub-agent of the lead's definition when a
 * session starts (session-agent.ts), so the lead delegates to it as a Lucid thread (src/workflows/threads.ts).
 * What Lucid cannot honour (`self`, an advisor, the `multiagent_20261001` shape) is refused, naming the field.
 */
import { z } from 'zod';
import type { ApiAgentVersion, ApiCoordinator, ApiRosterReference } from '../../domain/api-agent';
import { MAX_ROSTER_SIZE } from '../../domain/agent-definition';
import type { AgentStore } from '../../storage/agent-store';
import { invalidRequest } from '../api-error';
import { AgentIdSchema } from './agent-id';

const RosterEntrySchema = z.union([
  AgentIdSchema,
  z.strictObject({ type: z.literal('agent'), id: AgentIdSchema, version: z.number().int().min(1).optional() }),
  // Shapes Lucid cannot run, parsed so the refusal can name them (refusedEntry).
  z.looseObject({ type: z.enum(['self', 'advisor']) }),
]);
type RosterEntryParam = z.infer<typeof RosterEntrySchema>;

export const MultiagentParamSchema = z.union([
  z.strictObject({ type: z.literal('coordinator'), agents: z.array(RosterEntrySchema).min(1).max(MAX_ROSTER_SIZE) }),
  z.looseObject({ type: z.literal('multiagent_20261001') }),
]);
export type MultiagentParam = z.infer<typeof MultiagentParamSchema>;

/**
 * The stored form of `param`: every roster entry pinned to a version (the newest unless one is asked for), each
 * checked to exist, not be archived and have no roster of its own (the API's depth limit 1, which is also
 * Lucid's default `max_depth`). `ownId` is the agent being saved, which cannot list itself.
 */
export async function resolveMultiagent(
  store: AgentStore,
  param: MultiagentParam | null,
  ownId: string,
): Promise<ApiCoordinator | null> {
  if (param === null) return null;
  if (param.type !== 'coordinator') {
    throw invalidRequest('multiagent.type: only "coordinator" is supported by Lucid (multiagent_20261001 is not)');
  }
  const agents: ApiRosterReference[] = [];
  const names = new Set<string>();
  for (const [index, entry] of param.agents.entries()) {
    const field = `multiagent.agents.${index}`;
    const member = await rosterMember(store, entry, field, ownId);
    if (agents.some((agent) => agent.id === member.id)) throw invalidRequest(`${field}: ${member.id} is listed twice`);
    // The lead delegates by name (the `delegate` tool's enum), so two members of one name could not be told apart.
    if (names.has(member.name)) throw invalidRequest(`${field}: another roster agent is also named "${member.name}"`);
    names.add(member.name);
    agents.push({ type: 'agent', id: member.id, version: member.version });
  }
  return { type: 'coordinator', agents };
}

async function rosterMember(
  store: AgentStore,
  entry: RosterEntryParam,
  field: string,
  ownId: string,
): Promise<ApiAgentVersion> {
  if (typeof entry !== 'string' && entry.type !== 'agent') {
    throw invalidRequest(`${field}: {"type": "${entry.type}"} roster entries are not supported by Lucid`);
  }
  const reference = typeof entry === 'string' ? { id: entry, version: undefined } : entry;
  if (reference.id === ownId) throw invalidRequest(`${field}: an agent cannot list itself (self is not supported)`);
  const stored = await store.get(reference.id);
  if (!stored) throw invalidRequest(`${field}: no agent ${reference.id}`);
  if (stored.archived_at) throw invalidRequest(`${field}: agent ${reference.id} is archived`);
  const version =
    reference.version === undefined ? stored.latest : await store.getVersion(reference.id, reference.version);
  if (!version) throw invalidRequest(`${field}: agent ${reference.id} has no version ${reference.version}`);
  if (version.multiagent) {
    throw invalidRequest(`${field}: agent ${reference.id} has a multiagent roster of its own (depth limit 1)`);
  }
  return version;
}

/** The pinned versions of a coordinator's roster, for a session starting now; a member archived since is a 400. */
export async function rosterVersions(store: AgentStore, coordinator: ApiCoordinator): Promise<ApiAgentVersion[]> {
  return Promise.all(
    coordinator.agents.map(async (reference, index) => {
      const field = `agent.multiagent.agents.${index}`;
      const stored = await store.get(reference.id);
      if (!stored) throw invalidRequest(`${field}: no agent ${reference.id}`);
      if (stored.archived_at) throw invalidRequest(`${field}: agent ${reference.id} is archived`);
      const version = await store.getVersion(reference.id, reference.version);
      if (!version) throw invalidRequest(`${field}: agent ${reference.id} has no version ${reference.version}`);
      return version;
    }),
  );
}
