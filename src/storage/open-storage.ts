/**
 * One storage factory: `openStorage(config)` is the only place that decides where Lucid's data lives and which
 * implementation keeps it. The worker's activities, `LucidClient`, the CLI, scripts and benchmarks all get the
 * session store, memory stores, dream registry, prompts and tool journals from here, behind the interfaces below, and
 * never build a path under the data directory themselves (the filesystem layout is in layout.ts, used only by
 * the fs-* implementations). So a second backend (a database) is one new module that returns the same `Storage`,
 * chosen by `StorageConfig`. Every record read back is validated and migrated by its schema in records/.
 *
 * Two backends: the data directory (the default) and PostgreSQL, chosen by LUCID_DATABASE_URL
 * (src/storage/postgres/). Workspaces stay on a filesystem whatever the backend, because tools run on real files;
 * the default workspace of a session that names none is under LUCID_WORKSPACE_ROOT (a mount every worker host
 * shares), else under the data directory.
 */
import { FsThreadArchiveStore } from './fs-thread-archive-store';
import type { ThreadArchiveStore } from './thread-archive-store';
import { dataDir, workspaceRoot } from '../config';
import { databaseConfig, type DatabaseConfig } from './postgres/database';
import { openPostgresStorage } from './postgres/open-postgres-storage';
import type { AgentStore } from './agent-store';
import { FsAgentStore } from './fs-agent-store';
import type { EnvironmentStore } from './environment-store';
import { FsEnvironmentStore } from './fs-environment-store';
import type { FileStore } from './file-store';
import { FsFileStore } from './fs-file-store';
import { FsMemoryStore } from '../memory/fs-memory-store';
import type { MemoryStoreRepository } from '../memory/memory-store';
import type { DreamRegistry } from './dream-registry';
import type { DeltaSpool } from './delta-spool';
import { FsDeltaSpool } from './fs-delta-spool';
import { FsDreamRegistry } from './fs-dream-registry';
import { FsMemoryJournal } from './fs-memory-journal';
import { FsPromptStore } from './fs-prompt-store';
import { FsSessionRecordStore } from './fs-session-record-store';
import { FsSessionStore } from './fs-session-store';
import { FsToolJournal } from './fs-tool-journal';
import { DataLayout } from './layout';
import type { MemoryJournal } from './memory-journal';
import type { PromptStore } from './prompt-store';
import type { SessionRecordStore } from './session-record-store';
import type { SessionStore } from './session-store';
import type { ToolJournal } from './tool-journal';

export interface StorageConfig {
  /** The data directory (LUCID_DATA_DIR): every store, or with a database only the default workspaces. */
  dataDir: string;
  /** PostgreSQL for every store (LUCID_DATABASE_URL); absent: the data directory keeps everything. */
  database?: DatabaseConfig;
  /** Where default workspaces are made (LUCID_WORKSPACE_ROOT); absent: `<dataDir>/workspaces`. */
  workspaceRoot?: string;
}

/** The storage the environment configures: LUCID_DATA_DIR (default `.lucid/`) and LUCID_DATABASE_URL. */
export function storageConfig(env: NodeJS.ProcessEnv = process.env): StorageConfig {
  const database = databaseConfig(env);
  const workspaces = workspaceRoot(env);
  return {
    dataDir: dataDir(env),
    ...(database ? { database } : {}),
    ...(workspaces ? { workspaceRoot: workspaces } : {}),
  };
}

export interface Storage {
  /** Session event logs and snapshots. */
  readonly sessions: SessionStore;
  /** The API's session records: pinned agent, title, metadata, resources, archive time (not the event log). */
  readonly sessionRecords: SessionRecordStore;
  /** Live-text previews of model requests, from the model activity to the API server's streams. */
  readonly deltas: DeltaSpool;
  /** API agents (`agent_` ids) and their versions; the CLI's named agents stay in agents/*.json. */
  readonly agents: AgentStore;
  /** API environments (`env_` ids): the sandbox configuration sessions run in. */
  readonly environments: EnvironmentStore;
  /** Uploaded files (`file_` ids): their bytes and metadata. */
  readonly files: FileStore;
  /** Versioned memory stores. */
  readonly memory: MemoryStoreRepository;
  /** Which threads were archived through the API. */
  readonly threadArchives: ThreadArchiveStore;
  /** Dream records, "last dreamt over" marks and store holds. */
  readonly dreams: DreamRegistry;
  /** System prompts by content hash, so model activities take a prompt by reference. */
  readonly prompts: PromptStore;
  /** A session's workspace tool journal. */
  toolJournal(sessionId: string): ToolJournal;
  /** A session's memory tool journal. */
  memoryJournal(sessionId: string): MemoryJournal;
  /** The workspace folder of a session that names none. */
  defaultWorkspace(sessionId: string): string;
  /** Where the data is, for messages ("no session ... in <location>"). */
  readonly location: string;
  /** Resolves once the storage can be used (a database reachable and migrated); rejects saying why not. */
  ready(): Promise<void>;
  /** Lets go of what it holds open (database connections); the storage is not used after. */
  close(): Promise<void>;
}

export function openStorage(config: StorageConfig = storageConfig()): Storage {
  const layout = new DataLayout(config.dataDir, config.workspaceRoot);
  if (config.database) return openPostgresStorage(layout, config.database);
  return {
    sessions: new FsSessionStore(config.dataDir),
    deltas: new FsDeltaSpool(config.dataDir),
    agents: new FsAgentStore(config.dataDir),
    environments: new FsEnvironmentStore(config.dataDir),
    files: new FsFileStore(config.dataDir),
    sessionRecords: new FsSessionRecordStore(config.dataDir),
    threadArchives: new FsThreadArchiveStore(config.dataDir),
    memory: new FsMemoryStore(layout.memoryDir),
    dreams: new FsDreamRegistry(config.dataDir),
    prompts: new FsPromptStore(layout.promptsDir),
    toolJournal: (sessionId) => new FsToolJournal(layout.toolJournalDir(sessionId)),
    memoryJournal: (sessionId) => new FsMemoryJournal(layout.memoryJournalDir(sessionId)),
    defaultWorkspace: (sessionId) => layout.workspaceDir(sessionId),
    location: config.dataDir,
    ready: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
