/**
 * Starts one real Temporal dev server (the pinned CLI) for the whole test run and bundles the workflows once;
 * test files connect through LUCID_TEST_TEMPORAL_ADDRESS and reuse LUCID_TEST_WORKFLOW_BUNDLE.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer } from '../scripts/lib/dev-server';

export default async function globalSetup(): Promise<void> {
  const server = await startDevServer();
  (globalThis as { __lucidDevServer?: unknown }).__lucidDevServer = server;
  process.env.LUCID_TEST_TEMPORAL_ADDRESS = server.address;

  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never,
  });
  const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-bundle-')), 'workflows.js');
  fs.writeFileSync(bundlePath, code);
  process.env.LUCID_TEST_WORKFLOW_BUNDLE = bundlePath;
}
