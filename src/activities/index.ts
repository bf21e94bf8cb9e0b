import type Anthropic from '@anthropic-ai/sdk';
import type { Storage } from '../storage/open-storage';
import { createCompactionActivities } from './compaction';
import { createDreamActivities } from './dream';
import { ACTIVITY_INPUT_SCHEMAS, withValidatedInputs } from './inputs';
import { createGraderActivities } from './grader';
import { createMemoryActivities } from './memory';
import { createMcpActivities } from './mcp';
import { createPermissionJudgeActivities } from './permission-judge';
import { createAnthropicClient, createModelActivities } from './model';
import { createSessionActivities } from './session';
import { createShellActivities } from './shell';
import type { ShellPool } from '../shell/shell-pool';
import { networkAllowlist } from '../domain/host-allowlist';
import { WEB_FETCH_TOOL_NAME } from '../workspace/web-fetch';
import { createThreadActivities } from './threads';
import { createToolActivities } from './tools';

export interface ActivityDependencies {
  /** Where sessions, memory, dreams and journals are kept (src/storage/open-storage.ts). */
  storage: Storage;
  agentsDir: string;
  anthropic?: Anthropic;
  /** The worker's sandboxed shells, behind the `bash` tool (src/shell/shell-pool.ts). */
  shellPool: ShellPool;
  /** The task queue only this worker polls, for the `bash` calls of sessions whose shell it holds (src/worker.ts). */
  shellQueue?: string;
}

/** Every activity the worker registers, built from its dependencies; each parses its input first (./inputs). */
export function createActivities({
  storage,
  agentsDir,
  anthropic = createAnthropicClient(),
  shellPool,
  shellQueue,
}: ActivityDependencies) {
  const { sessions: store, memory, dreams } = storage;
  const activities = {
    ...createSessionActivities({
      store,
      prompts: storage.prompts,
      files: storage.files,
      defaultWorkspace: storage.defaultWorkspace,
      agentsDir,
    }),
    ...createModelActivities({
      store,
      prompts: storage.prompts,
      files: storage.files,
      toolJournal: storage.toolJournal,
      deltas: storage.deltas,
      client: anthropic,
      withheldTools: toolsWithheldBy(shellPool, process.env),
    }),
    ...createCompactionActivities({ store, client: anthropic }),
    ...createToolActivities({ toolJournal: storage.toolJournal }),
    ...createShellActivities({ shellPool, toolJournal: storage.toolJournal, shellQueue }),
    ...createThreadActivities(),
    ...createGraderActivities({ anthropic }),
    ...createPermissionJudgeActivities({ anthropic }),
    ...createMemoryActivities({ memory, memoryJournal: storage.memoryJournal }),
    ...createDreamActivities({ store, memory, dreams, anthropic }),
    ...createMcpActivities(),
  };
  return withValidatedInputs(activities, ACTIVITY_INPUT_SCHEMAS);
}

export type Activities = ReturnType<typeof createActivities>;

/**
 * Tools an agent may enable that this worker does not offer the model: bash without a sandbox, web_fetch without
 * allowed hosts. A call that reaches it anyway (offered by another worker) is refused with a tool error.
 */
export function toolsWithheldBy(shellPool: ShellPool, env: NodeJS.ProcessEnv): string[] {
  return [
    ...(shellPool.availability.ok ? [] : ['bash']),
    ...(networkAllowlist(env).length > 0 ? [] : [WEB_FETCH_TOOL_NAME]),
  ];
}
