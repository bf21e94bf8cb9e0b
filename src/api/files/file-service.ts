/**
 * What the file routes do, over the file store. An upload's bytes are staged first and become a file only once
 * every other part of the request has been checked, so a refused upload keeps nothing.
 */
import type { Readable } from 'node:stream';
import type { BetaDeletedFile, BetaFileMetadata } from '@anthropic-ai/sdk/resources/beta/files';
import { newFileId } from '../../domain/ids';
import type { FileStore, StagedContent, StoredFile } from '../../storage/file-store';
import { ApiError, invalidRequest, notFound } from '../api-error';
import { DEFAULT_PAGE_LIMIT, paginate, type Page } from '../pagination';
import { fileDeleted, fileObject } from './file-object';
import type { FileListQuery, UploadFields } from './file-params';

/** What the upload's file part said of itself, already checked (file-params.ts). */
export interface UploadedPart {
  filename: string;
  mime_type: string;
}

export class FileService {
  private last = 0;

  constructor(
    readonly store: FileStore,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Never the same millisecond twice, so files uploaded in a burst list in the order they came. */
  private now(): number {
    this.last = Math.max(this.clock(), this.last + 1);
    return this.last;
  }

  async create(staged: StagedContent, part: UploadedPart, fields: UploadFields): Promise<BetaFileMetadata> {
    const at = this.now();
    const file: StoredFile = {
      id: newFileId(),
      filename: part.filename,
      mime_type: part.mime_type,
      size_bytes: staged.size_bytes,
      sha256: staged.sha256,
      created_at: new Date(at).toISOString(),
      expires_at:
        fields.expires_in_seconds === undefined ? null : new Date(at + fields.expires_in_seconds * 1000).toISOString(),
    };
    await this.store.commit(staged, file);
    return fileObject(file);
  }

  async retrieve(fileId: string): Promise<BetaFileMetadata> {
    return fileObject(await this.existing(fileId));
  }

  /** The bytes of a file that has not expired; an expired one's bytes are removed here, if still there. */
  async download(fileId: string): Promise<{ file: StoredFile; content: Readable }> {
    const file = await this.existing(fileId);
    if (file.expires_at !== null && Date.parse(file.expires_at) <= this.clock()) {
      await this.store.dropContent(fileId);
      throw new ApiError(
        404,
        'not_found_error',
        `file ${fileId} expired at ${file.expires_at}`,
        undefined,
        {},
        'file_expired',
      );
    }
    const content = await this.store.openContent(fileId);
    if (!content) throw noFile(fileId);
    return { file, content };
  }

  async delete(fileId: string): Promise<BetaDeletedFile> {
    if (!(await this.store.delete(fileId))) throw noFile(fileId);
    return fileDeleted(fileId);
  }

  /** Newest first. With `ids[]`, those files (the ones that exist) on one page, as the API does. */
  async list(query: FileListQuery): Promise<Page<BetaFileMetadata>> {
    const ids = query['ids[]'];
    if (ids && (query.page !== undefined || query.limit !== undefined)) {
      throw invalidRequest('ids[]: cannot be combined with page or limit');
    }
    const files = (await this.store.list())
      .filter((file) => !ids || ids.includes(file.id))
      // Uploaded files belong to no session, so a scope filter matches none of them.
      .filter(() => query.scope_id === undefined)
      .sort((a, b) => listKey(b).localeCompare(listKey(a)));
    if (ids) return { data: files.map(fileObject), next_page: null };
    const page = paginate(files, listKey, { page: query.page, limit: query.limit ?? DEFAULT_PAGE_LIMIT }, 'desc');
    return { ...page, data: page.data.map(fileObject) };
  }

  private async existing(fileId: string): Promise<StoredFile> {
    const file = await this.store.get(fileId);
    if (!file) throw noFile(fileId);
    return file;
  }
}

function noFile(fileId: string): ApiError {
  return notFound(`no file ${fileId}`);
}

const listKey = (file: StoredFile) => `${file.created_at} ${file.id}`;
