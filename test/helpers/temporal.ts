/** Connects tests to the run's real dev server and runs real workers on per-test task queues. */
import type Anthropic from '@anthropic-ai/sdk';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAnthropicClient } from '../../src/activities/model';
import type { ShellPool } from '../../src/shell/shell-pool';
import { createWorker } from '../../src/worker';

export interface TestTemporal {
  address: string;
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

/** Keeps worker logs to warnings and errors, so test output shows what matters. */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed in this process
  }
}

export async function connectTestTemporal(): Promise<TestTemporal> {
  quietRuntime();
  const address = process.env.LUCID_TEST_TEMPORAL_ADDRESS;
  if (!address)
    throw new Error('LUCID_TEST_TEMPORAL_ADDRESS is not set: run tests through jest (test/global-setup.ts)');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    address,
    client: new Client({ connection, namespace: 'default' }),
    nativeConnection,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

let counter = 0;
export function uniqueTaskQueue(prefix = 'lucid-test'): string {
  return `${prefix}-${process.pid}-${Date.now()}-${counter++}`;
}

export function tempDir(prefix = 'lucid-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function workflowBundle() {
  const bundlePath = process.env.LUCID_TEST_WORKFLOW_BUNDLE;
  if (!bundlePath) throw new Error('LUCID_TEST_WORKFLOW_BUNDLE is not set: run tests through jest');
  return { codePath: bundlePath };
}

export interface TestWorkerOptions {
  temporal: TestTemporal;
  taskQueue: string;
  dataDir: string;
  agentsDir?: string;
  modelUrl: string;
  /** The worker's sandboxed shells (e.g. with small limits); the caller closes it. Default: the worker's own. */
  shellPool?: ShellPool;
  /** Workflow code other than the run's bundle (e.g. with test interceptors); default {@link workflowBundle}. */
  workflowBundle?: { code: string } | { codePath: string };
}

/** A real worker whose Anthropic client reaches the scripted model through its base URL. */
export async function createTestWorker(options: TestWorkerOptions): Promise<Worker> {
  const anthropic: Anthropic = createAnthropicClient({
    ANTHROPIC_BASE_URL: options.modelUrl,
    ANTHROPIC_API_KEY: 'test-key',
  });
  return createWorker({
    connection: options.temporal.nativeConnection,
    namespace: 'default',
    taskQueue: options.taskQueue,
    dataDir: options.dataDir,
    agentsDir: options.agentsDir ?? path.resolve(__dirname, '..', '..', 'agents'),
    workflowBundle: options.workflowBundle ?? workflowBundle(),
    anthropic,
    shellPool: options.shellPool,
  });
}
