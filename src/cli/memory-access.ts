/**
 * How the CLI reaches memory stores: through the storage the workers use (openStorage, LUCID_DATA_DIR), so memory
 * commands need no Temporal server. Also who a change is attributed to, and how actors read.
 */
import os from 'node:os';
import { isMemoryError } from '../memory/errors';
import type { MemoryActor, MemoryStore, MemoryStoreRepository } from '../memory/memory-store';
import { openStorage } from '../storage/open-storage';
import { CliError, ExitCode } from './errors';

/** The memory stores the workers use. */
export function openMemory(): MemoryStoreRepository {
  return openStorage().memory;
}

/**
 * The store `idOrName` names: a `memstore_` id, or the name of exactly one store (archived ones included, since
 * their memories can still be read). Unknown is exit code 4; a name several stores share is a usage error.
 */
export async function resolveStore(memory: MemoryStoreRepository, idOrName: string): Promise<MemoryStore> {
  try {
    return await memory.getStore(idOrName);
  } catch (error) {
    if (!isMemoryError(error) || error.code !== 'not_found_error') throw error;
  }
  const named = (await memory.listStores({ include_archived: true })).filter((store) => store.name === idOrName);
  if (named.length === 1) return named[0];
  if (named.length === 0) {
    throw new CliError(
      `no memory store with id or name ${JSON.stringify(idOrName)} (see: lucid memory list)`,
      ExitCode.notFound,
    );
  }
  const ids = named.map((store) => store.id).join(', ');
  throw new CliError(
    `${named.length} memory stores are named ${JSON.stringify(idOrName)} (${ids}); give the id`,
    ExitCode.usage,
  );
}

/** Who made a change from the command line: `--by NAME`, else the login name of whoever runs `lucid`. */
export function userName(by: string | undefined): string {
  if (by !== undefined) {
    if (by.trim() === '') throw new CliError('--by must not be empty', ExitCode.usage);
    return by;
  }
  try {
    return os.userInfo().username || 'cli';
  } catch {
    return 'cli'; // no passwd entry for this uid (containers)
  }
}

/** The memory actor of a change made from the command line. */
export function userActor(by: string | undefined): MemoryActor {
  return { type: 'user_actor', user_id: userName(by) };
}

/** `user ana`, `session sesn_…`, `dream drm_… chg_1`, `api key_…`: short enough for a table column. */
export function describeActor(actor: MemoryActor): string {
  switch (actor.type) {
    case 'user_actor':
      return `user ${actor.user_id}`;
    case 'session_actor':
      return `session ${actor.session_id}`;
    case 'dream_actor':
      return `dream ${actor.dream_id} ${actor.change_id}`;
    case 'api_actor':
      return `api ${actor.api_key_id}`;
  }
}
