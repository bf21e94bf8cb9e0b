/**
 * What the environment routes do, over the environment store: every check is made before anything is written,
 * so a refused request leaves the store as it was.
 */
import type {
  BetaEnvironment,
  BetaEnvironmentDeleteResponse,
} from '@anthropic-ai/sdk/resources/beta/environments/environments';
import { NO_NETWORK, type ApiEnvironment, type EnvironmentNetworking } from '../../domain/environment';
import { newEnvironmentId } from '../../domain/ids';
import type { EnvironmentStore } from '../../storage/environment-store';
import type { SessionRecordStore } from '../../storage/session-record-store';
import { ApiError, invalidRequest, notFound } from '../api-error';
import { patchMetadata } from '../metadata';
import { paginate, type Page, type PageRequest } from '../pagination';
import { environmentDeleted, environmentObject } from './environment-object';
import {
  unsupportedIn,
  type ConfigParams,
  type EnvironmentCreateParams,
  type EnvironmentUpdateParams,
  type LimitedNetworkParams,
} from './environment-params';

export interface EnvironmentListFilter extends PageRequest {
  include_archived: boolean;
}

export class EnvironmentService {
  private last = 0;

  constructor(
    private readonly store: EnvironmentStore,
    private readonly clock: () => number = Date.now,
    /** The API's sessions, so an environment a live session runs in is not deleted from under it. */
    private readonly sessionRecords?: SessionRecordStore,
  ) {}

  /** Never the same millisecond twice, so environments made in a burst list in the order they were made. */
  private now(): string {
    this.last = Math.max(this.clock(), this.last + 1);
    return new Date(this.last).toISOString();
  }

  async create(params: EnvironmentCreateParams): Promise<BetaEnvironment> {
    refuseUnsupported(params);
    const at = this.now();
    const environment: ApiEnvironment = {
      id: newEnvironmentId(),
      name: params.name,
      description: params.description ?? null,
      metadata: params.metadata ?? {},
      config: { type: 'cloud', networking: networkingOf(params.config, NO_NETWORK) },
      created_at: at,
      updated_at: at,
      archived_at: null,
    };
    await this.store.create(environment);
    return environmentObject(environment);
  }

  async retrieve(environmentId: string): Promise<BetaEnvironment> {
    return environmentObject(await this.existing(environmentId));
  }

  /**
   * The environment a new session is to run in, for the sessions side: an unknown id is a 404, an archived
   * environment a 400 (the API: archived environments cannot be used to create new sessions).
   */
  async forNewSession(environmentId: string, field = 'environment_id'): Promise<ApiEnvironment> {
    const environment = await this.store.get(environmentId);
    if (!environment) throw notFound(`${field}: no environment ${environmentId}`);
    if (environment.archived_at !== null) {
      throw invalidRequest(
        `${field}: environment ${environmentId} is archived; archived environments take no new sessions`,
      );
    }
    return environment;
  }

  async update(environmentId: string, params: EnvironmentUpdateParams): Promise<BetaEnvironment> {
    refuseUnsupported(params);
    const updated = await this.store.update(environmentId, (current) => {
      if (current.archived_at !== null) throw archived(environmentId);
      const next = applyUpdate(current, params);
      return JSON.stringify(next) === JSON.stringify(current) ? current : { ...next, updated_at: this.now() };
    });
    if (!updated) throw noEnvironment(environmentId);
    return environmentObject(updated);
  }

  /** Archiving again keeps the first time. */
  async archive(environmentId: string): Promise<BetaEnvironment> {
    const archivedNow = await this.store.update(environmentId, (current) =>
      current.archived_at === null ? { ...current, archived_at: this.now() } : current,
    );
    if (!archivedNow) throw noEnvironment(environmentId);
    return environmentObject(archivedNow);
  }

  /** Refused while a session that is not archived runs in it (archive or delete that session first). */
  async delete(environmentId: string): Promise<BetaEnvironmentDeleteResponse> {
    const live = (await this.sessionRecords?.list())?.find(
      (record) => record.environment_id === environmentId && record.archived_at === null,
    );
    if (live) {
      throw new ApiError(
        409,
        'conflict_error',
        `environment ${environmentId} is in use by session ${live.id}; archive or delete its sessions first`,
        false,
      );
    }
    if (!(await this.store.delete(environmentId))) throw noEnvironment(environmentId);
    return environmentDeleted(environmentId);
  }

  /** Newest first, by creation time (ties by id). */
  async list(filter: EnvironmentListFilter): Promise<Page<BetaEnvironment>> {
    const environments = (await this.store.list())
      .filter((environment) => filter.include_archived || environment.archived_at === null)
      .sort((a, b) => listKey(b).localeCompare(listKey(a)));
    const page = paginate(environments, listKey, filter, 'desc');
    return { ...page, data: page.data.map(environmentObject) };
  }

  private async existing(environmentId: string): Promise<ApiEnvironment> {
    const environment = await this.store.get(environmentId);
    if (!environment) throw noEnvironment(environmentId);
    return environment;
  }
}

/** The API's update rules: omitted fields are kept, null clears, metadata is patched ("" removes a key too). */
function applyUpdate(current: ApiEnvironment, params: EnvironmentUpdateParams): ApiEnvironment {
  return {
    ...current,
    name: params.name ?? current.name,
    description: params.description === undefined ? current.description : params.description,
    metadata: patchMetadata(current.metadata, params.metadata, ['']),
    config: { type: 'cloud', networking: networkingOf(params.config, current.config.networking) },
  };
}

/**
 * The networking `config` asks for, on top of `current` (the defaults on create): an omitted field keeps its
 * value, a null one goes back to its default. Only a limited policy gets here (refuseUnsupported ran first).
 */
function networkingOf(config: ConfigParams | null | undefined, current: EnvironmentNetworking): EnvironmentNetworking {
  if (!config || config.type !== 'cloud' || config.networking === undefined) return current;
  if (config.networking === null) return NO_NETWORK;
  const limited = config.networking as LimitedNetworkParams;
  const hosts =
    limited.allowed_hosts === undefined ? current.allowed_hosts : normalizedHosts(limited.allowed_hosts ?? []);
  return { ...NO_NETWORK, allowed_hosts: hosts };
}

function normalizedHosts(hosts: readonly string[]): string[] {
  return [...new Set(hosts.map((host) => host.trim().toLowerCase()))];
}

function refuseUnsupported(params: { config?: ConfigParams | null; scope?: string | null }): void {
  const unsupported = unsupportedIn(params);
  if (unsupported) throw invalidRequest(unsupported);
}

function noEnvironment(environmentId: string): ApiError {
  return notFound(`no environment ${environmentId}`);
}

function archived(environmentId: string): ApiError {
  return new ApiError(
    400,
    'invalid_request_error',
    `environment ${environmentId} is archived and cannot be updated`,
    undefined,
    {},
    'environment_archived',
  );
}

const listKey = (environment: ApiEnvironment) => `${environment.created_at} ${environment.id}`;
