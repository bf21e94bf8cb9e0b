/**
 * The data directory's layout (LUCID_DATA_DIR, default `.lucid/`). Every path under it is built here, and only
 * the filesystem implementations behind `openStorage` (and checks of their files, like the chaos run's) use it;
 * everything else reaches the data through the interfaces `openStorage` returns.
 *
 *   sessions/<session>/events/<seq>.json             one session event each (fs-session-store.ts)
 *   sessions/<session>/session.json                  the session's latest snapshot
 *   sessions/<session>/tool-journal/<call>.json      a workspace tool call's journal entry (fs-tool-journal.ts)
 *   sessions/<session>/memory-journal/<call>.json    a memory tool write's intent (fs-memory-journal.ts)
 *   sessions/<session>/deltas/<seq>.jsonl            live-text previews of a model request (fs-delta-spool.ts)
 *   prompts/<sha256>.json                            a system prompt, named by its content hash (fs-prompt-store.ts)
 *   memory/                                          memory stores; their own layout is in fs-memory-store.ts
 *   dreams/dreams/<dream>.json                       dream records (dream-registry.ts)
 *   dreams/stores/<store>.json                       when each memory store was last dreamt over
 *   dreams/holds/<store>.json                        which `update_existing` dream holds a store
 *   dreams/api/<dream>.json                          a dream's HTTP API record: its creation time, archive mark
 *   agents/<agent>/versions/<version>.json           an API agent's versions, never rewritten (fs-agent-store.ts)
 *   agents/<agent>/archived.json                     when the agent was archived
 *   api-sessions/<session>.json                      an API session's record (fs-session-record-store.ts)
 *   workspaces/<session>/                            the workspace of a session that names none (without
 *                                                    LUCID_WORKSPACE_ROOT; with it, <root>/<session>/)
 *   environments/<environment>.json                  an API environment (fs-environment-store.ts)
 *   files/<file>/metadata.json                       an uploaded file's metadata, written last (fs-file-store.ts)
 *   files/<file>/content                             its bytes, as uploaded
 *   files/.incoming/                                 uploads being received, moved into place once whole
 *
 * Ids become names through safeFileName, so any workflow id (with '/', '..') stays one folder.
 */
import path from 'node:path';
import { safeFileName } from './safe-file-name';

export class DataLayout {
  /** `workspaceRoot`: where default workspaces go instead of `<root>/workspaces` (LUCID_WORKSPACE_ROOT). */
  constructor(
    readonly root: string,
    private readonly workspaceRoot?: string,
  ) {}

  get sessionsDir(): string {
    return path.join(this.root, 'sessions');
  }

  sessionDir(sessionId: string): string {
    return path.join(this.sessionsDir, safeFileName(sessionId));
  }

  eventsDir(sessionId: string): string {
    return path.join(this.sessionDir(sessionId), 'events');
  }

  snapshotFile(sessionId: string): string {
    return path.join(this.sessionDir(sessionId), 'session.json');
  }

  toolJournalDir(sessionId: string): string {
    return path.join(this.sessionDir(sessionId), 'tool-journal');
  }

  memoryJournalDir(sessionId: string): string {
    return path.join(this.sessionDir(sessionId), 'memory-journal');
  }

  deltaSpoolDir(sessionId: string): string {
    return path.join(this.sessionDir(sessionId), 'deltas');
  }

  get promptsDir(): string {
    return path.join(this.root, 'prompts');
  }

  get memoryDir(): string {
    return path.join(this.root, 'memory');
  }

  dreamFile(dreamId: string): string {
    return path.join(this.dreamRecordsDir, `${safeFileName(dreamId)}.json`);
  }

  get dreamRecordsDir(): string {
    return path.join(this.root, 'dreams', 'dreams');
  }

  dreamStoreMarkFile(storeId: string): string {
    return path.join(this.root, 'dreams', 'stores', `${safeFileName(storeId)}.json`);
  }

  dreamHoldFile(storeId: string): string {
    return path.join(this.root, 'dreams', 'holds', `${safeFileName(storeId)}.json`);
  }

  dreamApiRecordFile(dreamId: string): string {
    return path.join(this.dreamApiRecordsDir, `${safeFileName(dreamId)}.json`);
  }

  get dreamApiRecordsDir(): string {
    return path.join(this.root, 'dreams', 'api');
  }

  get agentsDir(): string {
    return path.join(this.root, 'agents');
  }

  agentVersionsDir(agentId: string): string {
    return path.join(this.agentsDir, safeFileName(agentId), 'versions');
  }

  /** Zero-padded, so the names sort as the versions do. */
  agentVersionFile(agentId: string, version: number): string {
    return path.join(this.agentVersionsDir(agentId), `${String(version).padStart(10, '0')}.json`);
  }

  agentArchiveFile(agentId: string): string {
    return path.join(this.agentsDir, safeFileName(agentId), 'archived.json');
  }

  get environmentsDir(): string {
    return path.join(this.root, 'environments');
  }

  environmentFile(environmentId: string): string {
    return path.join(this.environmentsDir, `${safeFileName(environmentId)}.json`);
  }

  get filesDir(): string {
    return path.join(this.root, 'files');
  }

  fileDir(fileId: string): string {
    return path.join(this.filesDir, safeFileName(fileId));
  }

  fileMetadataFile(fileId: string): string {
    return path.join(this.fileDir(fileId), 'metadata.json');
  }

  fileContentFile(fileId: string): string {
    return path.join(this.fileDir(fileId), 'content');
  }

  /** Outside any file's folder, and named so no file id can be it (ids are `file_...`). */
  get incomingFilesDir(): string {
    return path.join(this.filesDir, '.incoming');
  }

  get sessionRecordsDir(): string {
    return path.join(this.root, 'api-sessions');
  }

  sessionRecordFile(sessionId: string): string {
    return path.join(this.sessionRecordsDir, `${safeFileName(sessionId)}.json`);
  }

  workspaceDir(sessionId: string): string {
    return path.join(this.workspaceRoot ?? path.join(this.root, 'workspaces'), safeFileName(sessionId));
  }
}

/** A per-call file in a journal folder: `<call>.json`. */
export function callFile(dir: string, callId: string): string {
  return path.join(dir, `${safeFileName(callId)}.json`);
}

/** A prompt's file in the prompts folder: `<sha256>.json`. */
export function promptFile(dir: string, sha256: string): string {
  return path.join(dir, `${safeFileName(sha256)}.json`);
}
