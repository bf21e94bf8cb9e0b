/**
 * The request shapes of `client.beta.environments` (SDK 1.15.0's EnvironmentCreateParams, ...), checked at the
 * route's edge; unknown fields are refused. The API's config has more than Lucid's sandbox can do, and what it
 * cannot do is refused by {@link unsupportedIn}, naming the field, rather than stored and ignored:
 *
 * - `self_hosted` configs: the runner protocol (`environments.work`) is not served.
 * - `unrestricted` networking: the sandbox has no network interface; it reaches out only through the worker's
 *   proxy, which lets through the hosts of an allowlist and nothing else, so "anything" cannot be offered safely.
 * - `allow_mcp_servers` / `allow_package_managers`: Lucid runs no MCP servers and keeps no list of registries;
 *   name the hosts in `allowed_hosts` instead.
 * - `packages`: nothing is installed into the sandbox (it runs the worker's own /usr).
 * - `scope: "account"`: Lucid has no accounts; every environment is the organization's.
 */
import { z } from 'zod';
import { isHostPattern } from '../../domain/host-allowlist';
import { MetadataPatchSchema, MetadataSchema } from '../metadata';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../pagination';

export const MAX_ALLOWED_HOSTS = 256;

const hostList = z.array(z.string().min(1).max(253)).max(MAX_ALLOWED_HOSTS);

const UnrestrictedNetworkSchema = z.strictObject({ type: z.literal('unrestricted') });
const LimitedNetworkSchema = z.strictObject({
  type: z.literal('limited'),
  allowed_hosts: hostList.nullish(),
  allow_mcp_servers: z.boolean().nullish(),
  allow_package_managers: z.boolean().nullish(),
});
export type LimitedNetworkParams = z.infer<typeof LimitedNetworkSchema>;

const PACKAGE_MANAGERS = ['apt', 'cargo', 'gem', 'go', 'npm', 'pip'] as const;

const packageList = z.array(z.string().max(256)).max(1000).nullish();
const PackagesSchema = z.strictObject({
  type: z.literal('packages').optional(),
  apt: packageList,
  cargo: packageList,
  gem: packageList,
  go: packageList,
  npm: packageList,
  pip: packageList,
});

const CloudConfigSchema = z.strictObject({
  type: z.literal('cloud'),
  networking: z.discriminatedUnion('type', [UnrestrictedNetworkSchema, LimitedNetworkSchema]).nullish(),
  packages: PackagesSchema.nullish(),
});
const SelfHostedConfigSchema = z.strictObject({ type: z.literal('self_hosted') });
const ConfigSchema = z.discriminatedUnion('type', [CloudConfigSchema, SelfHostedConfigSchema]);
export type ConfigParams = z.infer<typeof ConfigSchema>;

const ScopeSchema = z.enum(['organization', 'account']).nullish();

export const EnvironmentCreateSchema = z.strictObject({
  name: z.string().min(1).max(256),
  description: z.string().max(2048).nullish(),
  metadata: MetadataSchema.optional(),
  config: ConfigSchema.nullish(),
  scope: ScopeSchema,
});
export type EnvironmentCreateParams = z.infer<typeof EnvironmentCreateSchema>;

export const EnvironmentUpdateSchema = z.strictObject({
  name: z.string().min(1).max(256).nullish(),
  description: z.string().max(2048).nullish(),
  metadata: MetadataPatchSchema.optional(),
  config: ConfigSchema.nullish(),
  scope: ScopeSchema,
});
export type EnvironmentUpdateParams = z.infer<typeof EnvironmentUpdateSchema>;

const booleanText = z.enum(['true', 'false']).transform((value) => value === 'true');

export const EnvironmentListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
  page: z.string().min(1).optional(),
  include_archived: booleanText.default(false),
});

/** `env_` and the id body Lucid makes (src/domain/ids.ts). */
export const EnvironmentIdSchema = z
  .string()
  .regex(/^env_[1-9A-HJ-NP-Za-km-z]{1,64}$/, 'not an environment id (env_...)');

export const EnvironmentPathSchema = z.strictObject({ environment_id: EnvironmentIdSchema });

/** The first thing in `params` Lucid cannot honour, as a message naming the field; null when there is none. */
export function unsupportedIn(params: { config?: ConfigParams | null; scope?: string | null }): string | null {
  if (params.scope === 'account') return 'scope: only "organization" is supported (Lucid has no accounts)';
  const config = params.config;
  if (!config) return null;
  if (config.type === 'self_hosted') {
    return 'config.type: self_hosted environments (the environments.work runner protocol) are not supported by Lucid; use {"type": "cloud"}';
  }
  return unsupportedNetworking(config.networking) ?? unsupportedPackages(config.packages);
}

function unsupportedNetworking(networking: z.infer<typeof CloudConfigSchema>['networking']): string | null {
  if (!networking) return null;
  if (networking.type === 'unrestricted') {
    return (
      'config.networking: unrestricted networking is not supported by Lucid: its sandbox has no network interface ' +
      'and reaches out only through a proxy that lets listed hosts through; use {"type": "limited", "allowed_hosts": [...]}'
    );
  }
  if (networking.allow_mcp_servers) {
    return 'config.networking.allow_mcp_servers: Lucid runs no MCP servers; name the hosts in allowed_hosts';
  }
  if (networking.allow_package_managers) {
    return 'config.networking.allow_package_managers: Lucid keeps no list of package registries; name their hosts in allowed_hosts';
  }
  for (const [index, host] of (networking.allowed_hosts ?? []).entries()) {
    if (!isHostPattern(host.trim().toLowerCase())) {
      return `config.networking.allowed_hosts.${index}: "${host}" is not a host name, a *.wildcard of one, or an IP address`;
    }
  }
  return null;
}

function unsupportedPackages(packages: z.infer<typeof PackagesSchema> | null | undefined): string | null {
  for (const manager of PACKAGE_MANAGERS) {
    if (packages?.[manager]?.length) {
      return `config.packages.${manager}: Lucid does not install packages into its sandbox (it runs the worker's own programs); leave the list empty`;
    }
  }
  return null;
}
