import type Anthropic from '@anthropic-ai/sdk';
import type { SessionStore } from '../storage/session-store';
import path from 'node:path';
import { FsMemoryStore } from '../memory/fs-memory-store';
import { FsDreamRegistry } from '../storage/dream-registry';
import { createDreamActivities } from './dream';
import { ACTIVITY_INPUT_SCHEMAS, withValidatedInputs } from './inputs';
import { createGraderActivities } from './grader';
import { createMemoryActivities } from './memory';
import { createAnthropicClient, createModelActivities } from './model';
import { createSessionActivities } from './session';
import { createToolActivities } from './tools';

export interface ActivityDependencies {
  store: SessionStore;
  dataDir: string;
  agentsDir: string;
  anthropic?: Anthropic;
}

/** Every activity the worker registers, built from its dependencies; each parses its input first (./inputs). */
export function createActivities({
  store,
  dataDir,
  agentsDir,
  anthropic = createAnthropicClient(),
}: ActivityDependencies) {
  const memory = new FsMemoryStore(path.join(dataDir, 'memory'));
  const activities = {
    ...createSessionActivities({ store, dataDir, agentsDir }),
    ...createModelActivities({ store, client: anthropic }),
    ...createToolActivities({ dataDir }),
    ...createGraderActivities({ anthropic }),
    ...createMemoryActivities({ memory, dataDir }),
    ...createDreamActivities({
      store,
      memory,
      dreams: new FsDreamRegistry(path.join(dataDir, 'dreams')),
      anthropic,
    }),
  };
  return withValidatedInputs(activities, ACTIVITY_INPUT_SCHEMAS);
}

export type Activities = ReturnType<typeof createActivities>;
