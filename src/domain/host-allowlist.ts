/**
 * The hosts Lucid may reach on an agent's behalf (the sandbox through src/shell/egress-proxy.ts, and web_fetch),
 * when the operator names some in LUCID_NETWORK_ALLOWED_HOSTS: comma-separated names, each exact (`pypi.org`) or a wildcard for the subdomains of
 * a name (`*.pythonhosted.org`). Names are compared lower-case; an IP address must be listed as such.
 */

const PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^[0-9a-f:.]+$/;

export const NETWORK_ALLOWED_HOSTS_VARIABLE = 'LUCID_NETWORK_ALLOWED_HOSTS';

/** The worker's allowed hosts, from its environment; empty when none are named. */
export function networkAllowlist(env: NodeJS.ProcessEnv): string[] {
  return parseHostAllowlist(env[NETWORK_ALLOWED_HOSTS_VARIABLE]);
}

/** Whether `entry` (already lower-case) is a host name, a `*.` wildcard of one, or an IP address. */
export function isHostPattern(entry: string): boolean {
  return PATTERN.test(entry);
}

/** The patterns of a LUCID_NETWORK_ALLOWED_HOSTS value; throws with the bad entry named. */
export function parseHostAllowlist(raw: string | undefined): string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  for (const entry of entries) {
    if (!isHostPattern(entry)) throw new Error(`"${entry}" is not a host name, a *.wildcard of one, or an IP address`);
  }
  return [...new Set(entries)];
}

/** Whether `host` (as a URL or a CONNECT request names it, perhaps [bracketed]) is allowed by `patterns`. */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  return patterns.some((pattern) =>
    pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1 : name === pattern,
  );
}
