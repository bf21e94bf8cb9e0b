/**
 * A session's resources. A `memory_store` resource attaches a Lucid memory store: it must exist and not be
 * archived, and is kept with its name and description as they were when attached (as the API shows them). A
 * `file` resource names an uploaded file the worker copies into the workspace before the first turn
 * (prepareWorkspace); it is checked here (the file is there, its mount path is in the workspace) and kept as the
 * API's resource object. A `github_repository` is kept as the API's resource object, with an id but without its
 * token (Lucid does not clone yet, so it has no use for one, and keeps no secret it does not need).
 */
import type { SessionFile } from '../../domain/session-input';
import { MAX_ATTACHED_STORES, type MemoryAttachmentInput } from '../../memory/attachments';
import { MemoryNotFoundError } from '../../memory/errors';
import type { Storage } from '../../storage/open-storage';
import { invalidRequest, notFound } from '../api-error';
import { newFileResource } from '../files/file-resource';
import { newSessionResourceId } from '../../domain/ids';
import type { ResourceParam } from './session-params';

export async function sessionResources(
  { memory, files }: Pick<Storage, 'memory' | 'files'>,
  resources: readonly ResourceParam[],
): Promise<Record<string, unknown>[]> {
  const stores = resources.filter((resource) => resource.type === 'memory_store');
  if (stores.length > MAX_ATTACHED_STORES) {
    throw invalidRequest(`resources: at most ${MAX_ATTACHED_STORES} memory stores can be attached to a session`);
  }
  return Promise.all(
    resources.map(async (resource, index) => {
      if (resource.type === 'file') {
        const resourceObject = await newFileResource(files, resource, `resources.${index}`);
        return resourceObject as unknown as Record<string, unknown>;
      }
      if (resource.type === 'github_repository') return githubResource(resource);
      const store = await memory.getStore(resource.memory_store_id).catch((error: unknown) => {
        if (error instanceof MemoryNotFoundError) {
          throw notFound(`resources.${index}: no memory store ${resource.memory_store_id}`);
        }
        throw error;
      });
      if (store.archived_at) throw invalidRequest(`resources.${index}: memory store ${store.id} is archived`);
      const access = resource.access ?? 'read_write';
      return { ...resource, access, name: store.name, description: store.description };
    }),
  );
}

function githubResource(resource: Extract<ResourceParam, { type: 'github_repository' }>): Record<string, unknown> {
  const at = new Date().toISOString();
  const name =
    resource.url
      .replace(/\/+$/, '')
      .split('/')
      .at(-1)
      ?.replace(/\.git$/, '') || 'repository';
  return {
    type: 'github_repository',
    id: newSessionResourceId(),
    url: resource.url,
    checkout: resource.checkout ?? null,
    mount_path: resource.mount_path ?? `/workspace/${name}`,
    created_at: at,
    updated_at: at,
  };
}

/** The memory_store resources as the memory attachments of Lucid's session input (read at session start). */
export function memoryAttachments(resources: readonly Record<string, unknown>[]): MemoryAttachmentInput[] {
  return resources.flatMap((resource) => {
    if (resource.type !== 'memory_store') return [];
    const instructions = typeof resource.instructions === 'string' ? { instructions: resource.instructions } : {};
    const access = resource.access as MemoryAttachmentInput['access'];
    return [{ memory_store_id: resource.memory_store_id as string, access, ...instructions }];
  });
}

/** The file resources as the files of Lucid's session input, each at the mount path its resource object shows. */
export function fileMounts(resources: readonly Record<string, unknown>[]): SessionFile[] {
  return resources.flatMap((resource) =>
    resource.type === 'file'
      ? [{ file_id: resource.file_id as string, mount_path: resource.mount_path as string }]
      : [],
  );
}
