import fs from 'node:fs/promises';
import type { ApiEnvironment } from '../domain/environment';
import { atomicWriteFile, fsyncDirectory } from '../workspace/atomic-write';
import type { EnvironmentStore } from './environment-store';
import { readRecordFile, readRecordFiles } from './fs-records';
import { DataLayout } from './layout';
import { environmentFormat } from './records/environment-records';

/**
 * {@link EnvironmentStore} in the data directory: one file per environment (layout.ts). Changes to one
 * environment are made one at a time in this process, so no update is lost to another and none brings back an
 * environment a delete has just removed; the API server is the only writer.
 */
export class FsEnvironmentStore implements EnvironmentStore {
  private readonly layout: DataLayout;
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(dataDir: string) {
    this.layout = new DataLayout(dataDir);
  }

  async create(environment: ApiEnvironment): Promise<void> {
    await fs.mkdir(this.layout.environmentsDir, { recursive: true });
    await this.write(environment);
  }

  async get(environmentId: string): Promise<ApiEnvironment | null> {
    return readRecordFile(this.layout.environmentFile(environmentId), environmentFormat);
  }

  update(environmentId: string, change: (current: ApiEnvironment) => ApiEnvironment): Promise<ApiEnvironment | null> {
    return this.oneAtATime(environmentId, async () => {
      const current = await this.get(environmentId);
      if (!current) return null;
      const next = change(current);
      if (next !== current) await this.write(next);
      return next;
    });
  }

  async list(): Promise<ApiEnvironment[]> {
    return readRecordFiles(this.layout.environmentsDir, environmentFormat);
  }

  delete(environmentId: string): Promise<boolean> {
    return this.oneAtATime(environmentId, async () => {
      try {
        await fs.rm(this.layout.environmentFile(environmentId));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw error;
      }
      await fsyncDirectory(this.layout.environmentsDir);
      return true;
    });
  }

  private write(environment: ApiEnvironment): Promise<void> {
    return atomicWriteFile(
      this.layout.environmentFile(environment.id),
      `${environmentFormat.serialize(environment, 2)}\n`,
    );
  }

  /** Runs `change` after every earlier change to the same environment has settled. */
  private oneAtATime<T>(environmentId: string, change: () => Promise<T>): Promise<T> {
    const previous = this.pending.get(environmentId) ?? Promise.resolve();
    const next = previous.then(change, change);
    const settled = next.catch(() => undefined);
    this.pending.set(environmentId, settled);
    void settled.then(() => {
      if (this.pending.get(environmentId) === settled) this.pending.delete(environmentId);
    });
    return next;
  }
}
