/** API environments (src/domain/environment.ts), each kept whole: a change rewrites it, a delete removes it. */
import type { ApiEnvironment } from '../domain/environment';

export interface EnvironmentStore {
  /** Stores a new environment; durable before it returns. */
  create(environment: ApiEnvironment): Promise<void>;
  /** The environment, or null when there is none with that id. */
  get(environmentId: string): Promise<ApiEnvironment | null>;
  /**
   * Replaces the environment with what `change` makes of it, and returns that; null when there is none. Changes
   * to one environment apply one after another, each to the result of the one before, and readers see the old
   * record or the new one. When `change` throws, nothing is written.
   */
  update(environmentId: string, change: (current: ApiEnvironment) => ApiEnvironment): Promise<ApiEnvironment | null>;
  /** Every environment, in no particular order. */
  list(): Promise<ApiEnvironment[]>;
  /** Removes it; false when there was none. */
  delete(environmentId: string): Promise<boolean>;
}
