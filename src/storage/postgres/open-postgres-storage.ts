import type { Pool } from 'pg';
import type { Storage } from '../open-storage';
import type { DataLayout } from '../layout';
import { asStorageUnavailable } from '../storage-unavailable';
import { describeDatabase, openPool, type DatabaseConfig } from './database';
import { migrate } from './migrations';
import { PgAgentStore } from './pg-agent-store';
import { PgDeltaSpool } from './pg-delta-spool';
import { PgDreamRegistry } from './pg-dream-registry';
import { PgEnvironmentStore } from './pg-environment-store';
import { PgFileStore } from './pg-file-store';
import { PgMemoryJournal, PgToolJournal } from './pg-journals';
import { PgMemoryStore } from './pg-memory-store';
import { PgPromptStore } from './pg-prompt-store';
import { PgSessionRecordStore } from './pg-session-record-store';
import { PgSessionStore } from './pg-session-store';
import { PgThreadArchiveStore } from './pg-thread-archive-store';

/**
 * Every store on one PostgreSQL database (LUCID_DATABASE_URL), so workers, HTTP servers and CLIs on any host see
 * the same sessions, memories and dreams. Workspaces stay on a filesystem: LUCID_WORKSPACE_ROOT, else `layout`'s.
 *
 * The schema is migrated before the first query of the process, whichever store makes it, so a CLI works
 * against a database no worker has touched yet; `ready()` does it up front, which the worker and the server
 * call at start to say clearly when the database is unreachable.
 */
export function openPostgresStorage(layout: DataLayout, database: DatabaseConfig): Storage {
  const raw = openPool(database);
  let migrated: Promise<void> | null = null;
  const ready = () => {
    // A failed attempt (the database is down) is forgotten, so the next query tries again.
    migrated ??= migrate(raw).then(
      () => undefined,
      (error: unknown) => {
        migrated = null;
        throw error;
      },
    );
    return migrated;
  };
  const pool = migratedBeforeUse(raw, ready, describeDatabase(database.url));
  const sessions = new PgSessionStore(pool);
  const deltas = new PgDeltaSpool(pool);
  return {
    sessions,
    deltas,
    agents: new PgAgentStore(pool),
    environments: new PgEnvironmentStore(pool),
    files: new PgFileStore(pool),
    sessionRecords: new PgSessionRecordStore(pool),
    threadArchives: new PgThreadArchiveStore(pool),
    memory: new PgMemoryStore(pool),
    dreams: new PgDreamRegistry(pool),
    prompts: new PgPromptStore(pool),
    toolJournal: (sessionId) => new PgToolJournal(pool, sessionId),
    memoryJournal: (sessionId) => new PgMemoryJournal(pool, sessionId),
    defaultWorkspace: (sessionId) => layout.workspaceDir(sessionId),
    location: describeDatabase(database.url),
    ready,
    async close() {
      await Promise.all([sessions.close(), deltas.close()]);
      await raw.end();
    },
  };
}

/**
 * The pool, whose `query` and `connect` first wait for the schema to be migrated (the stores use nothing else), and
 * throw a database that cannot be reached as a StorageUnavailableError, which activities wait out.
 */
function migratedBeforeUse(pool: Pool, ready: () => Promise<void>, location: string): Pool {
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property === 'query' || property === 'connect') {
        const method = Reflect.get(target, property, target) as (...args: unknown[]) => Promise<unknown>;
        return async (...args: unknown[]) => {
          try {
            await ready();
            return await method.apply(target, args);
          } catch (error) {
            throw asStorageUnavailable(error, location);
          }
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}
