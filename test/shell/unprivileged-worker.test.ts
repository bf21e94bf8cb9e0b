/**
 * The recommended deployment, a worker that is not root: bubblewrap runs unprivileged in a user namespace, the
 * command runs as uid 1000 mapped to the worker's own uid, nested namespaces are refused, and memory and processes
 * are limited per process. The test suite runs as root, so it runs a pool as `nobody` in a child process.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const program = path.join(__dirname, 'programs', 'unprivileged-pool.ts');
const tsx = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');

describe('a worker that is not root', () => {
  it('runs commands in a user namespace as uid 1000, mapped to itself, with limits per process', () => {
    const output = execFileSync(
      'runuser',
      ['-u', 'nobody', '--', 'env', 'HOME=/tmp', 'PATH=/usr/bin:/bin', tsx, program],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const report = JSON.parse(output) as Record<string, unknown>;
    expect(report).toEqual({
      availability: { ok: true },
      limitScope: 'process',
      id: '1000\n1000\n',
      ulimits: '256\n4194304\n',
      nestedNamespace: 'refused\n',
      environment: 'HOME LANG LOGNAME OLDPWD PATH PWD SHELL SHLVL TERM TMPDIR USER _ ',
      written: 'hello\n',
      ownerOnHost: report.workerUid,
      workerUid: 65534,
    });
  });
});
