import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ApiAgentVersion } from '../domain/api-agent';
import { atomicWriteFile } from '../workspace/atomic-write';
import { AgentVersionConflictError, type AgentStore, type StoredAgent } from './agent-store';
import { readdirOrEmpty, readRecordFile } from './fs-records';
import { DataLayout } from './layout';
import { agentArchiveFormat, agentVersionFormat } from './records/agent-records';

/** {@link AgentStore} in the data directory: one file per version, an archive mark beside them (layout.ts). */
export class FsAgentStore implements AgentStore {
  private readonly layout: DataLayout;

  constructor(dataDir: string) {
    this.layout = new DataLayout(dataDir);
  }

  async putVersion(agent: ApiAgentVersion): Promise<void> {
    const file = this.layout.agentVersionFile(agent.id, agent.version);
    if (!(await createOnce(file, `${agentVersionFormat.serialize(agent, 2)}\n`))) {
      throw new AgentVersionConflictError(agent.id, agent.version);
    }
  }

  async get(agentId: string): Promise<StoredAgent | null> {
    const versions = await this.versionNumbers(agentId);
    if (versions.length === 0) return null;
    const latest = await this.getVersion(agentId, versions[0]);
    if (!latest) return null;
    return { latest, archived_at: await this.archivedAt(agentId) };
  }

  async getVersion(agentId: string, version: number): Promise<ApiAgentVersion | null> {
    return readRecordFile(this.layout.agentVersionFile(agentId, version), agentVersionFormat);
  }

  async listVersions(agentId: string): Promise<ApiAgentVersion[]> {
    const versions = await Promise.all(
      (await this.versionNumbers(agentId)).map((version) => this.getVersion(agentId, version)),
    );
    return versions.filter((agent): agent is ApiAgentVersion => agent !== null);
  }

  async list(): Promise<StoredAgent[]> {
    const names = await readdirOrEmpty(this.layout.agentsDir);
    const agents = await Promise.all(names.map((name) => this.get(decodeURIComponent(name))));
    return agents.filter((agent): agent is StoredAgent => agent !== null);
  }

  async archive(agentId: string, at: string): Promise<StoredAgent | null> {
    const agent = await this.get(agentId);
    if (!agent) return null;
    if (agent.archived_at) return agent;
    // Created once: of two archives at the same moment the first time stays, as it does for a later one.
    await createOnce(this.layout.agentArchiveFile(agentId), agentArchiveFormat.serialize({ archived_at: at }));
    return this.get(agentId);
  }

  /** The version numbers on disk, newest first. */
  private async versionNumbers(agentId: string): Promise<number[]> {
    const names = await readdirOrEmpty(this.layout.agentVersionsDir(agentId));
    return names
      .filter((name) => /^\d+\.json$/.test(name))
      .map((name) => Number.parseInt(name, 10))
      .sort((a, b) => b - a);
  }

  private async archivedAt(agentId: string): Promise<string | null> {
    return (await readRecordFile(this.layout.agentArchiveFile(agentId), agentArchiveFormat))?.archived_at ?? null;
  }
}

/**
 * Writes `file` unless it exists; false when it did. Written whole under a temporary name, then linked into
 * place: link(2) fails when the name exists, so of two writers exactly one wins, and no reader sees half a record.
 */
async function createOnce(file: string, text: string): Promise<boolean> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await atomicWriteFile(temporary, text);
  try {
    await fs.link(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.rm(temporary, { force: true });
  }
}
