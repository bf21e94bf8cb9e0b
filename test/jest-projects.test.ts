/**
 * Keeps the two jest projects honest (jest.config.js): a test file that reaches Temporal, through the test
 * helpers, a session harness or a server of its own, must be in the `integration` project, which starts the dev
 * server; every other test file runs in `unit`, without one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileGlob } from '../src/workspace/glob';

const ROOT = path.resolve(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the jest config is CommonJS
const config = require('../jest.config.js') as { projects: Array<{ displayName: string; testMatch: string[] }> };

/** Names a test file only uses when it talks to a Temporal server. */
const NEEDS_TEMPORAL =
  /\b(connectTestTemporal|createTestWorker|startSessionHarness|LUCID_TEST_TEMPORAL_ADDRESS|runChaos|useChaosRun|useHosts)\b/;

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : testFiles(file);
    return entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

const integration = config.projects.find((project) => project.displayName === 'integration')!;
/** jest's testMatch globs, relative to the root: the same syntax as the list_files globs (src/workspace/glob.ts). */
const integrationGlobs = integration.testMatch.map((glob) => compileGlob(glob.replace('<rootDir>/', '')));
const isIntegration = (file: string) => integrationGlobs.some((glob) => glob.matches(path.relative(ROOT, file)));

test('a test file is in the integration project exactly when it needs Temporal', () => {
  const misplaced = testFiles(path.join(ROOT, 'test'))
    .filter((file) => file !== __filename) // names the helpers above without using them
    .filter((file) => NEEDS_TEMPORAL.test(fs.readFileSync(file, 'utf8')) !== isIntegration(file))
    .map((file) => path.relative(ROOT, file));
  expect(misplaced).toEqual([]);
});
