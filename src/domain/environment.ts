/**
 * An environment as the Managed Agents API keeps it (`env_` ids): a name, metadata and the sandbox
 * configuration sessions in it run with. Only what Lucid's sandbox can honour is ever stored (a `cloud` config
 * with `limited` networking and no packages; src/api/environments/environment-params.ts refuses the rest), so a
 * stored environment is always one Lucid runs as it says (./environment-sandbox.ts).
 */
import type { BetaCloudConfig, BetaLimitedNetwork } from '@anthropic-ai/sdk/resources/beta/environments/environments';

/** The network policy a stored environment can hold: an allowlist, empty for no network at all. */
export type EnvironmentNetworking = BetaLimitedNetwork & { allow_mcp_servers: false; allow_package_managers: false };

export interface EnvironmentConfig {
  type: 'cloud';
  networking: EnvironmentNetworking;
}

export interface ApiEnvironment {
  id: string;
  name: string;
  description: string | null;
  metadata: Record<string, string>;
  config: EnvironmentConfig;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

/** No network at all: what an environment gets when it names no networking. */
export const NO_NETWORK: EnvironmentNetworking = {
  type: 'limited',
  allowed_hosts: [],
  allow_mcp_servers: false,
  allow_package_managers: false,
};

/** The config as the API answers it: Lucid installs no packages, so every list is empty. */
export function cloudConfigObject(config: EnvironmentConfig): BetaCloudConfig {
  return {
    type: 'cloud',
    networking: { ...config.networking, allowed_hosts: [...config.networking.allowed_hosts] },
    packages: { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] },
  };
}
