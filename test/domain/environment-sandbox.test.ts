import { NO_NETWORK, type EnvironmentConfig } from '../../src/domain/environment';
import { environmentSandbox, sessionShellSettings } from '../../src/domain/environment-sandbox';
import { DEFAULT_SHELL_SETTINGS } from '../../src/shell/shell-settings';

const limited = (hosts: string[]): EnvironmentConfig => ({
  type: 'cloud',
  networking: { ...NO_NETWORK, allowed_hosts: hosts },
});

test("an environment's allowlist replaces the worker's, and the worker's limits stay", () => {
  const worker = { ...DEFAULT_SHELL_SETTINGS, allowedHosts: ['example.com'], cpuSeconds: 30 };
  const settings = sessionShellSettings(worker, limited(['pypi.org', '*.pythonhosted.org']));
  expect(settings).toEqual({ ...worker, allowedHosts: ['pypi.org', '*.pythonhosted.org'] });
  expect(worker.allowedHosts).toEqual(['example.com']);
});

test('an environment without hosts has no network, whatever the worker allows', () => {
  expect(environmentSandbox(limited([]))).toEqual({ allowedHosts: [] });
  expect(
    sessionShellSettings({ ...DEFAULT_SHELL_SETTINGS, allowedHosts: ['example.com'] }, limited([])).allowedHosts,
  ).toEqual([]);
});
