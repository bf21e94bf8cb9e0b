import { DEFAULT_SHELL_SETTINGS, shellSettings } from '../../src/shell/shell-settings';

describe('shell settings', () => {
  it('are the defaults when nothing is set, and take overrides from the environment', () => {
    expect(shellSettings({})).toEqual(DEFAULT_SHELL_SETTINGS);
    expect(
      shellSettings({
        LUCID_SANDBOX: 'off',
        LUCID_BASH_DEFAULT_TIMEOUT_MS: '5000',
        LUCID_SANDBOX_MAX_PROCESSES: '64',
        LUCID_NETWORK_ALLOWED_HOSTS: 'pypi.org',
      }),
    ).toEqual({
      ...DEFAULT_SHELL_SETTINGS,
      enabled: false,
      defaultTimeoutMs: 5000,
      maxProcesses: 64,
      allowedHosts: ['pypi.org'],
    });
  });

  it.each([
    [{ LUCID_SANDBOX: 'docker' }, 'LUCID_SANDBOX must be "bubblewrap" or "off", got "docker"'],
    [{ LUCID_SANDBOX_MEMORY_MB: '1.5' }, 'LUCID_SANDBOX_MEMORY_MB must be a whole number from 64 to 1048576'],
    [{ LUCID_SANDBOX_MAX_PROCESSES: '2' }, 'LUCID_SANDBOX_MAX_PROCESSES must be a whole number from 8 to 100000'],
    [
      { LUCID_BASH_DEFAULT_TIMEOUT_MS: '700000' },
      'LUCID_BASH_DEFAULT_TIMEOUT_MS (700000) must not exceed LUCID_BASH_MAX_TIMEOUT_MS (600000)',
    ],
    [{ LUCID_NETWORK_ALLOWED_HOSTS: 'https://pypi.org' }, 'LUCID_NETWORK_ALLOWED_HOSTS: "https://pypi.org" is not'],
  ])('refuse %p with a message naming the variable', (env, message) => {
    expect(() => shellSettings(env)).toThrow(message);
  });
});
