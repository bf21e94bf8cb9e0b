import type Anthropic from '@anthropic-ai/sdk';
import type { SessionStore } from '../storage/session-store';
import { createGraderActivities } from './grader';
import { createAnthropicClient, createModelActivities } from './model';
import { createSessionActivities } from './session';
import { createToolActivities } from './tools';

export interface ActivityDependencies {
  store: SessionStore;
  dataDir: string;
  agentsDir: string;
  anthropic?: Anthropic;
}

/** Every activity the worker registers, built from its dependencies. */
export function createActivities({ store, dataDir, agentsDir, anthropic = createAnthropicClient() }: ActivityDependencies) {
  return {
    ...createSessionActivities({ store, dataDir, agentsDir }),
    ...createModelActivities({ store, client: anthropic }),
    ...createToolActivities({ dataDir }),
    ...createGraderActivities({ anthropic }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
