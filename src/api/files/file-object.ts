/** The `file` object the API answers with (the SDK's BetaFileMetadata), built from a stored file's metadata. */
import type { BetaDeletedFile, BetaFileMetadata } from '@anthropic-ai/sdk/resources/beta/files';
import type { StoredFile } from '../../storage/file-store';

export function fileObject(file: StoredFile): BetaFileMetadata {
  return {
    type: 'file',
    id: file.id,
    filename: file.filename,
    mime_type: file.mime_type,
    size_bytes: file.size_bytes,
    created_at: file.created_at,
    expires_at: file.expires_at,
    // Lucid keeps what was uploaded and gives it back; the API downloads only files its tools made.
    downloadable: true,
    scope: null,
  };
}

export function fileDeleted(fileId: string): BetaDeletedFile {
  return { id: fileId, type: 'file_deleted' };
}
