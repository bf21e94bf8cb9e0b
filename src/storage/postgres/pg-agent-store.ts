import type { Pool } from 'pg';
import type { ApiAgentVersion } from '../../domain/api-agent';
import { AgentVersionConflictError, type AgentStore, type StoredAgent } from '../agent-store';
import { agentVersionFormat } from '../records/agent-records';

/** PostgreSQL's SQLSTATE for a unique violation: the version someone else inserted first. */
const UNIQUE_VIOLATION = '23505';

/** {@link AgentStore} on PostgreSQL: a row a version, keyed by (agent, version), and a row an archive mark. */
export class PgAgentStore implements AgentStore {
  constructor(private readonly pool: Pool) {}

  async putVersion(agent: ApiAgentVersion): Promise<void> {
    try {
      await this.pool.query('INSERT INTO lucid_agent_versions (agent_id, version, record) VALUES ($1, $2, $3)', [
        agent.id,
        agent.version,
        agentVersionFormat.serialize(agent),
      ]);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new AgentVersionConflictError(agent.id, agent.version);
      }
      throw error;
    }
  }

  async get(agentId: string): Promise<StoredAgent | null> {
    const { rows } = await this.pool.query<AgentRow>(
      `${SELECT_LATEST} WHERE v.agent_id = $1 ORDER BY v.agent_id, v.version DESC`,
      [agentId],
    );
    return rows[0] ? storedAgent(rows[0]) : null;
  }

  async getVersion(agentId: string, version: number): Promise<ApiAgentVersion | null> {
    const { rows } = await this.pool.query<{ record: unknown }>(
      'SELECT record FROM lucid_agent_versions WHERE agent_id = $1 AND version = $2',
      [agentId, version],
    );
    return rows[0] ? agentVersionFormat.fromRecord(rows[0].record, versionLocation(agentId, version)) : null;
  }

  async listVersions(agentId: string): Promise<ApiAgentVersion[]> {
    const { rows } = await this.pool.query<{ version: number; record: unknown }>(
      'SELECT version, record FROM lucid_agent_versions WHERE agent_id = $1 ORDER BY version DESC',
      [agentId],
    );
    return rows.map((row) => agentVersionFormat.fromRecord(row.record, versionLocation(agentId, row.version)));
  }

  async list(): Promise<StoredAgent[]> {
    const { rows } = await this.pool.query<AgentRow>(`${SELECT_LATEST} ORDER BY v.agent_id, v.version DESC`);
    return rows.map(storedAgent);
  }

  /** The first archive time stays: a second archive inserts nothing. */
  async archive(agentId: string, at: string): Promise<StoredAgent | null> {
    if (!(await this.get(agentId))) return null;
    await this.pool.query(
      'INSERT INTO lucid_agent_archives (agent_id, archived_at) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [agentId, at],
    );
    return this.get(agentId);
  }
}

interface AgentRow {
  agent_id: string;
  version: number;
  record: unknown;
  archived_at: string | null;
}

/** Each agent's newest version with its archive mark (DISTINCT ON keeps the first row of each agent's order). */
const SELECT_LATEST = `
  SELECT DISTINCT ON (v.agent_id) v.agent_id, v.version, v.record, a.archived_at
    FROM lucid_agent_versions v LEFT JOIN lucid_agent_archives a ON a.agent_id = v.agent_id`;

function storedAgent(row: AgentRow): StoredAgent {
  return {
    latest: agentVersionFormat.fromRecord(row.record, versionLocation(row.agent_id, row.version)),
    archived_at: row.archived_at,
  };
}

const versionLocation = (agentId: string, version: number) => `postgres lucid_agent_versions (${agentId}, ${version})`;
