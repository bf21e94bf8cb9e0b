/**
 * What the API's record stores do (agents, environments, session records, thread archives), whichever backend
 * keeps them: the same tests against the data directory and a real throwaway PostgreSQL. Records are built from
 * the frozen fixtures, so both backends are also shown to keep every field of today's shapes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiAgentVersion } from '../../src/domain/api-agent';
import type { ApiEnvironment } from '../../src/domain/environment';
import { AgentVersionConflictError, type AgentStore } from '../../src/storage/agent-store';
import type { EnvironmentStore } from '../../src/storage/environment-store';
import { FsAgentStore } from '../../src/storage/fs-agent-store';
import { FsEnvironmentStore } from '../../src/storage/fs-environment-store';
import { FsSessionRecordStore } from '../../src/storage/fs-session-record-store';
import { FsThreadArchiveStore } from '../../src/storage/fs-thread-archive-store';
import { PgAgentStore } from '../../src/storage/postgres/pg-agent-store';
import { PgEnvironmentStore } from '../../src/storage/postgres/pg-environment-store';
import { PgSessionRecordStore } from '../../src/storage/postgres/pg-session-record-store';
import { PgThreadArchiveStore } from '../../src/storage/postgres/pg-thread-archive-store';
import type { SessionRecord, SessionRecordStore } from '../../src/storage/session-record-store';
import type { ThreadArchiveStore } from '../../src/storage/thread-archive-store';
import { usePostgres } from '../helpers/postgres';

const postgres = usePostgres({ database: 'lucid_api_stores' });

interface Stores {
  agents: AgentStore;
  environments: EnvironmentStore;
  sessionRecords: SessionRecordStore;
  threadArchives: ThreadArchiveStore;
}

const backends: Array<{ name: string; open(): Promise<Stores> }> = [
  {
    name: 'filesystem',
    async open() {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-api-stores-'));
      return {
        agents: new FsAgentStore(dataDir),
        environments: new FsEnvironmentStore(dataDir),
        sessionRecords: new FsSessionRecordStore(dataDir),
        threadArchives: new FsThreadArchiveStore(dataDir),
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const pool = postgres.pool();
      await pool.query(
        'TRUNCATE lucid_agent_versions, lucid_agent_archives, lucid_environments, lucid_session_records, lucid_thread_archives',
      );
      return {
        agents: new PgAgentStore(pool),
        environments: new PgEnvironmentStore(pool),
        sessionRecords: new PgSessionRecordStore(pool),
        threadArchives: new PgThreadArchiveStore(pool),
      };
    },
  },
];

function fixture<T>(name: string): T {
  const { schema_version: _ignored, ...record } = JSON.parse(
    fs.readFileSync(path.join(__dirname, '../fixtures/records', name), 'utf8'),
  ) as Record<string, unknown>;
  return record as T;
}

const agentV2 = fixture<ApiAgentVersion>('agent-version.v2.json');
const agentV1: ApiAgentVersion = { ...agentV2, version: 1, multiagent: null, updated_at: agentV2.created_at };
const environment = fixture<ApiEnvironment>('environment.v1.json');
const sessionRecord = fixture<SessionRecord>('session-record.v2.json');

describe.each(backends)('API record stores on $name', (backend) => {
  let stores: Stores;
  beforeEach(async () => {
    stores = await backend.open();
  });

  it('keeps agent versions: the newest is the agent, an existing version is a conflict, archive keeps its first time', async () => {
    const { agents } = stores;
    await agents.putVersion(agentV1);
    await agents.putVersion(agentV2);
    await expect(agents.putVersion({ ...agentV2, name: 'racer' })).rejects.toThrow(AgentVersionConflictError);
    expect(await agents.get(agentV2.id)).toEqual({ latest: agentV2, archived_at: null });
    expect(await agents.getVersion(agentV2.id, 1)).toEqual(agentV1);
    expect(await agents.getVersion(agentV2.id, 3)).toBeNull();
    expect(await agents.listVersions(agentV2.id)).toEqual([agentV2, agentV1]);
    expect(await agents.listVersions('agent_none')).toEqual([]);
    const other = { ...agentV1, id: 'agent_other' };
    await agents.putVersion(other);
    expect((await agents.list()).map((agent) => agent.latest).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      agentV2,
      other,
    ]);
    expect(await agents.archive(agentV2.id, '2026-12-01T00:00:00.000Z')).toEqual({
      latest: agentV2,
      archived_at: '2026-12-01T00:00:00.000Z',
    });
    expect((await agents.archive(agentV2.id, '2026-12-02T00:00:00.000Z'))?.archived_at).toBe(
      '2026-12-01T00:00:00.000Z',
    );
    expect(await agents.archive('agent_none', '2026-12-01T00:00:00.000Z')).toBeNull();
    expect(await agents.get('agent_none')).toBeNull();
  });

  it('exactly one of ten writers of the same agent version wins', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, writer) => stores.agents.putVersion({ ...agentV1, name: `writer-${writer}` })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const winner = (await stores.agents.get(agentV1.id))?.latest.name;
    expect(winner).toMatch(/^writer-\d$/);
  });

  it('keeps environments: create, read, update in turn, list and delete', async () => {
    const { environments } = stores;
    await environments.create(environment);
    expect(await environments.get(environment.id)).toEqual(environment);
    // Ten updates at once, each adding a key to what the one before left: none is lost.
    await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        environments.update(environment.id, (current) => ({
          ...current,
          metadata: { ...current.metadata, [`k${index}`]: 'v' },
        })),
      ),
    );
    expect(Object.keys((await environments.get(environment.id))?.metadata ?? {})).toHaveLength(11);
    await expect(
      environments.update(environment.id, () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await environments.update('env_none', (current) => current)).toBeNull();
    expect((await environments.list()).map((listed) => listed.id)).toEqual([environment.id]);
    expect(await environments.delete(environment.id)).toBe(true);
    expect(await environments.delete(environment.id)).toBe(false);
    expect(await environments.get(environment.id)).toBeNull();
  });

  it('keeps session records whole: put replaces, delete removes', async () => {
    const { sessionRecords } = stores;
    await sessionRecords.put(sessionRecord);
    expect(await sessionRecords.get(sessionRecord.id)).toEqual(sessionRecord);
    const retitled = { ...sessionRecord, title: 'Renamed', metadata: {} };
    await sessionRecords.put(retitled);
    expect(await sessionRecords.list()).toEqual([retitled]);
    await sessionRecords.delete(sessionRecord.id);
    await sessionRecords.delete(sessionRecord.id);
    expect(await sessionRecords.get(sessionRecord.id)).toBeNull();
  });

  it('keeps thread archives per session: both of two archives at once land, the first time stays', async () => {
    const { threadArchives } = stores;
    expect(await threadArchives.archived('sesn_a')).toEqual({});
    await Promise.all([
      threadArchives.archive('sesn_a', 'sthr_1', '2026-12-01T00:00:01.000Z'),
      threadArchives.archive('sesn_a', 'sthr_2', '2026-12-01T00:00:02.000Z'),
    ]);
    await threadArchives.archive('sesn_a', 'sthr_1', '2026-12-01T00:00:09.000Z');
    expect(await threadArchives.archived('sesn_a')).toEqual({
      sthr_1: '2026-12-01T00:00:01.000Z',
      sthr_2: '2026-12-01T00:00:02.000Z',
    });
    expect(await threadArchives.archived('sesn_b')).toEqual({});
  });
});
