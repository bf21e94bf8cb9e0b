import { toolsWithheldBy } from '../../src/activities';
import { ShellPool } from '../../src/shell/shell-pool';
import { DEFAULT_SHELL_SETTINGS } from '../../src/shell/shell-settings';

describe('tools a worker withholds from the model', () => {
  let sandboxed: ShellPool;
  let unsandboxed: ShellPool;
  beforeAll(async () => {
    sandboxed = await ShellPool.create(DEFAULT_SHELL_SETTINGS);
    unsandboxed = await ShellPool.create({ ...DEFAULT_SHELL_SETTINGS, enabled: false });
  });
  afterAll(async () => {
    await sandboxed.close();
    await unsandboxed.close();
  });

  it('are bash without a sandbox and web_fetch without allowed hosts', () => {
    expect(toolsWithheldBy(sandboxed, {})).toEqual(['web_fetch']);
    expect(toolsWithheldBy(sandboxed, { LUCID_NETWORK_ALLOWED_HOSTS: ' ' })).toEqual(['web_fetch']);
    expect(toolsWithheldBy(sandboxed, { LUCID_NETWORK_ALLOWED_HOSTS: 'docs.example.com' })).toEqual([]);
    expect(toolsWithheldBy(unsandboxed, { LUCID_NETWORK_ALLOWED_HOSTS: 'docs.example.com' })).toEqual(['bash']);
  });
});
