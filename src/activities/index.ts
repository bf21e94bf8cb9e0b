import type Anthropic from '@anthropic-ai/sdk';
import type { SessionStore } from '../storage/session-store';
import path from 'node:path';
import { FsMemoryStore } from '../memory/fs-memory-store';
import { FsDreamRegistry } from '../storage/dream-registry';
import { createDreamActivities } from './dream';
import { createGraderActivities } from './grader';
import { createMemoryActivities } from './memory';
import { createAnthropicClient, createModelActivities } from './model';
import { createSessionActivities } from './session';
import { createThreadActivities } from './threads';
import { createToolActivities } from './tools';

export interface ActivityDependencies {
  store: SessionStore;
  dataDir: string;
  agentsDir: string;
  anthropic?: Anthropic;
}

/** Every activity the worker registers, built from its dependencies. */
export function createActivities({
  store,
  dataDir,
  agentsDir,
  anthropic = createAnthropicClient(),
}: ActivityDependencies) {
  const memory = new FsMemoryStore(path.join(dataDir, 'memory'));
  return {
    ...createSessionActivities({ store, dataDir, agentsDir }),
    ...createModelActivities({ store, client: anthropic }),
    ...createToolActivities({ dataDir }),
    ...createThreadActivities(),
    ...createGraderActivities({ anthropic }),
    ...createMemoryActivities({ memory, dataDir }),
    ...createDreamActivities({
      store,
      memory,
      dreams: new FsDreamRegistry(path.join(dataDir, 'dreams')),
      anthropic,
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
