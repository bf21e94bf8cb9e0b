/**
 * A `{type: "file", file_id, mount_path?}` session resource (on session create, or `sessions.resources.add`),
 * checked and made into the resource object the API answers with, for the sessions side. Everything is checked
 * before the session exists: the file is there and not expired, and its mount path stays in the workspace
 * (src/workspace/mount-file.ts, which copies the file in when the session's workspace is prepared).
 */
import type { BetaManagedAgentsFileResource } from '@anthropic-ai/sdk/resources/beta/sessions/resources';
import { z } from 'zod';
import { newSessionResourceId } from '../../domain/ids';
import type { FileStore } from '../../storage/file-store';
import { fileMount, FileMountError } from '../../workspace/mount-file';
import { invalidRequest } from '../api-error';
import { FileIdSchema } from './file-params';

export const FileResourceParamsSchema = z.strictObject({
  type: z.literal('file'),
  file_id: FileIdSchema,
  mount_path: z.string().min(1).max(4096).nullish(),
});
export type FileResourceParams = z.infer<typeof FileResourceParamsSchema>;

/** The resource object for `params`; an invalid_request_error naming `field` (e.g. `resources.0`) if it cannot be. */
export async function newFileResource(
  files: FileStore,
  params: FileResourceParams,
  field = 'resource',
  now: number = Date.now(),
): Promise<BetaManagedAgentsFileResource> {
  const file = await files.get(params.file_id);
  if (!file) throw invalidRequest(`${field}.file_id: no file ${params.file_id}`);
  if (file.expires_at !== null && Date.parse(file.expires_at) <= now) {
    throw invalidRequest(`${field}.file_id: file ${params.file_id} expired at ${file.expires_at}`);
  }
  let mountPath: string;
  try {
    mountPath = fileMount(params.file_id, params.mount_path).mount_path;
  } catch (error) {
    if (error instanceof FileMountError) throw invalidRequest(`${field}.${error.message}`);
    throw error;
  }
  const at = new Date(now).toISOString();
  return {
    type: 'file',
    id: newSessionResourceId(),
    file_id: file.id,
    mount_path: mountPath,
    created_at: at,
    updated_at: at,
  };
}
