import { hostAllowed, parseHostAllowlist } from '../../src/domain/host-allowlist';

describe('host allowlist', () => {
  it('parses names, wildcards and addresses, lower-cased and without duplicates', () => {
    expect(parseHostAllowlist(' PyPI.org, *.pythonhosted.org,pypi.org,,127.0.0.1 ')).toEqual([
      'pypi.org',
      '*.pythonhosted.org',
      '127.0.0.1',
    ]);
    expect(parseHostAllowlist(undefined)).toEqual([]);
  });

  it.each(['http://pypi.org', 'pypi.org/simple', '*', '*.', 'a b', 'pypi.org:443'])('refuses %p', (entry) => {
    expect(() => parseHostAllowlist(entry)).toThrow(`"${entry}" is not a host name`);
  });

  it('matches exact names and the subdomains of a wildcard, nothing else', () => {
    const patterns = ['pypi.org', '*.pythonhosted.org', '::1'];
    expect(hostAllowed('PYPI.org.', patterns)).toBe(true);
    expect(hostAllowed('files.pythonhosted.org', patterns)).toBe(true);
    expect(hostAllowed('[::1]', patterns)).toBe(true);
    expect(hostAllowed('pythonhosted.org', patterns)).toBe(false);
    expect(hostAllowed('evilpythonhosted.org', patterns)).toBe(false);
    expect(hostAllowed('pypi.org.evil.com', patterns)).toBe(false);
    expect(hostAllowed('127.0.0.1', patterns)).toBe(false);
  });
});
