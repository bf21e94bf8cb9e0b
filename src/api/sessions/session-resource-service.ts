/**
 * `client.beta.sessions.resources`: a session's resources as its record keeps them. `add` takes a file resource
 * (the only kind the API adds to a live session): checked like one given on create, copied into the running
 * session's workspace, and only then recorded, so a refused add leaves the session as it was. The server copies
 * the file itself, so it must see the workspace the worker made: the session's workspace is the default one of
 * this server's data directory (the worker and the server share it, as `npm run server` and the worker do on
 * one machine); otherwise the add is refused rather than recorded without a file behind it.
 */
import { promises as fs } from 'node:fs';
import type {
  BetaManagedAgentsDeleteSessionResource,
  BetaManagedAgentsFileResource,
  BetaManagedAgentsSessionResource,
} from '@anthropic-ai/sdk/resources/beta/sessions/resources';
import type { LucidClient } from '../../client';
import type { Storage } from '../../storage/open-storage';
import type { SessionRecord } from '../../storage/session-record-store';
import { fileMount, FileMountError, mountStoredFile } from '../../workspace/mount-file';
import { resolveInWorkspace } from '../../workspace/sandbox';
import { invalidRequest, notFound } from '../api-error';
import { newFileResource, type FileResourceParams } from '../files/file-resource';
import { paginate, type Page, type PageRequest } from '../pagination';

type Resource = Record<string, unknown>;

export class SessionResourceService {
  constructor(
    private readonly storage: Storage,
    private readonly lucid: LucidClient,
  ) {}

  /** In the order they were attached. */
  async list(sessionId: string, query: PageRequest): Promise<Page<BetaManagedAgentsSessionResource>> {
    const record = await this.record(sessionId);
    const keyed = listKeys(record).map((key, index) => ({ resource: record.resources[index], key }));
    keyed.sort((a, b) => a.key.localeCompare(b.key));
    const page = paginate(keyed, ({ key }) => key, query);
    return { data: page.data.map(({ resource }) => asObject(resource)), next_page: page.next_page };
  }

  async retrieve(sessionId: string, resourceId: string): Promise<BetaManagedAgentsSessionResource> {
    const record = await this.record(sessionId);
    return asObject(existing(record, resourceId));
  }

  /** The API rotates a github_repository's token; Lucid does not clone repositories, so it keeps no token. */
  async update(sessionId: string, resourceId: string): Promise<never> {
    const resource = existing(await this.record(sessionId), resourceId);
    if (resource.type !== 'github_repository') {
      throw invalidRequest(`resource ${resourceId}: only github_repository resources have a token to rotate`);
    }
    throw invalidRequest('authorization_token: Lucid does not clone repositories yet, so it keeps no token to rotate');
  }

  async add(sessionId: string, params: FileResourceParams): Promise<BetaManagedAgentsFileResource> {
    const record = await this.liveRecord(sessionId, 'added to');
    const resource = await newFileResource(this.storage.files, params);
    const clash = record.resources.find((other) => other.type === 'file' && other.mount_path === resource.mount_path);
    if (clash) throw invalidRequest(`mount_path: ${resource.mount_path} is resource ${String(clash.id)} already`);
    const workspace = await this.localWorkspace(sessionId);
    try {
      await mountStoredFile(this.storage.files, resource.file_id, workspace, resource.mount_path);
    } catch (error) {
      if (error instanceof FileMountError) throw invalidRequest(error.message);
      throw error;
    }
    await this.storage.sessionRecords.put({
      ...record,
      resources: [...record.resources, resource as unknown as Resource],
      updated_at: resource.created_at,
    });
    return resource;
  }

  /**
   * Detaches it. A file resource's copy is removed from the workspace too (the session no longer has the file),
   * unless the agent has put something other than a file there. A memory store is attached to the session's
   * workflow when it starts and cannot be detached from it yet.
   */
  async delete(sessionId: string, resourceId: string): Promise<BetaManagedAgentsDeleteSessionResource> {
    const record = await this.liveRecord(sessionId, 'removed from');
    const resource = existing(record, resourceId);
    if (resource.type === 'memory_store') {
      throw invalidRequest('detaching a memory store from a started session is not supported by Lucid yet');
    }
    if (resource.type === 'file') await this.unmount(sessionId, resource.mount_path as string);
    await this.storage.sessionRecords.put({
      ...record,
      resources: record.resources.filter((other) => other !== resource),
      updated_at: new Date().toISOString(),
    });
    return { id: resourceId, type: 'session_resource_deleted' };
  }

  private async unmount(sessionId: string, mountPath: string): Promise<void> {
    const workspace = await this.localWorkspace(sessionId);
    const target = await resolveInWorkspace(workspace, fileMount('', mountPath).relative, { forWrite: true });
    if (target.exists && (await fs.lstat(target.absolute)).isFile()) await fs.rm(target.absolute);
  }

  /** The running session's workspace, when it is the one this server's data directory has for it. */
  private async localWorkspace(sessionId: string): Promise<string> {
    const snapshot = await this.lucid.snapshot(sessionId);
    const expected = await fs.realpath(this.storage.defaultWorkspace(sessionId)).catch(() => null);
    if (!snapshot?.workspace || expected === null || snapshot.workspace !== expected) {
      throw invalidRequest(
        `session ${sessionId}: its workspace is not on this server, so a file cannot be mounted into it from here`,
      );
    }
    return expected;
  }

  private async record(sessionId: string): Promise<SessionRecord> {
    const record = await this.storage.sessionRecords.get(sessionId);
    if (record) return record;
    if (await this.storage.sessions.readSnapshot(sessionId).catch(() => null)) return withoutResources(sessionId);
    if (await this.lucid.isRunning(sessionId)) return withoutResources(sessionId);
    throw notFound(`no session ${sessionId}`);
  }

  /** A session the API made, neither archived nor ended: the only kind whose resources change. */
  private async liveRecord(sessionId: string, what: string): Promise<SessionRecord> {
    const record = await this.storage.sessionRecords.get(sessionId);
    if (!record) {
      if (await this.lucid.isRunning(sessionId)) {
        throw invalidRequest(`session ${sessionId} was not created through the API; its resources cannot change`);
      }
      throw notFound(`no session ${sessionId}`);
    }
    if (record.archived_at) throw invalidRequest(`session ${sessionId} is archived: nothing can be ${what} it`);
    if (!(await this.lucid.isRunning(sessionId))) {
      throw invalidRequest(`session ${sessionId} has ended: nothing can be ${what} it`);
    }
    return record;
  }
}

/** A session started without the API has no resources the API knows of. */
function withoutResources(sessionId: string): SessionRecord {
  return { id: sessionId, resources: [], created_at: '' } as unknown as SessionRecord;
}

function existing(record: SessionRecord, resourceId: string): Resource {
  const resource = record.resources.find((candidate) => candidate.id === resourceId);
  if (!resource) throw notFound(`no resource ${resourceId} in session ${record.id}`);
  return resource;
}

/**
 * By attach time, then by place in the record: the resources of one create share its millisecond and keep the
 * order they were given in (an id would order them at random).
 */
function listKeys(record: SessionRecord): string[] {
  const seen = new Map<string, number>();
  return record.resources.map((resource) => {
    const at = typeof resource.created_at === 'string' ? resource.created_at : record.created_at;
    const ordinal = seen.get(at) ?? 0;
    seen.set(at, ordinal + 1);
    return `${at} ${String(ordinal).padStart(4, '0')}`;
  });
}

/** As the API shows it: a github_repository's token is never answered. */
function asObject(resource: Resource): BetaManagedAgentsSessionResource {
  const { authorization_token: _token, ...shown } = resource;
  return shown as unknown as BetaManagedAgentsSessionResource;
}
