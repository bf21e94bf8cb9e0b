/**
 * Writes a prebuilt workflow bundle, so that a worker starts without bundling src/workflows itself:
 *
 *   npm run bundle-workflows -- [--out .lucid/workflow-bundle.js]
 *   LUCID_WORKFLOW_BUNDLE=.lucid/workflow-bundle.js npm run worker
 *
 * Without a bundle, every worker start runs webpack over src/workflows and everything it imports (seconds of
 * CPU; see bench/startup.ts). The bundle is the workflow code the worker runs, so rebuild it whenever
 * src/workflows or anything it imports changes: a stale bundle runs old workflow code, and a running session
 * replayed on different code fails with a nondeterminism error.
 */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = 'usage: npm run bundle-workflows -- [--out FILE]   (default .lucid/workflow-bundle.js)';
const DEFAULT_OUT = path.join('.lucid', 'workflow-bundle.js');

/** What was written: the absolute path, its size and how long bundling took. */
export interface WrittenBundle {
  path: string;
  bytes: number;
  bundleMs: number;
}

/** Bundles src/workflows and writes the code to `outFile` (parent folders created); the write is atomic. */
export async function writeWorkflowBundle(outFile: string): Promise<WrittenBundle> {
  const started = performance.now();
  // Webpack's progress lines at info level say nothing a user needs; warnings and errors still show.
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const bundleMs = performance.now() - started;
  const target = path.resolve(outFile);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // A worker starting meanwhile must never read half a bundle.
  const temporary = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, code);
  fs.renameSync(temporary, target);
  return { path: target, bytes: Buffer.byteLength(code), bundleMs };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: DEFAULT_OUT }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return void console.log(USAGE);
  const written = await writeWorkflowBundle(values.out);
  const shown = path.relative(process.cwd(), written.path) || written.path;
  console.log(
    `workflow bundle written to ${shown} (${Math.round(written.bytes / 1024)} KiB, bundled in ${(written.bundleMs / 1000).toFixed(1)} s)`,
  );
  console.log(`start a worker with it:  LUCID_WORKFLOW_BUNDLE=${shown} npm run worker`);
  console.log('rebuild it after any change to src/workflows or what it imports: the worker runs the bundled code.');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
