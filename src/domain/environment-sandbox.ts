/**
 * What an environment means for a session's sandbox: the worker's shell settings (src/shell/shell-settings.ts)
 * with the environment's network policy in place of the worker's LUCID_NETWORK_ALLOWED_HOSTS. Pure, so the session
 * side can call it wherever it builds a session's shell, and a test can check it without a sandbox.
 *
 * Only the network is per environment: the API's environment has no limits of its own, so the worker's limits
 * (CPU, memory, processes, file size, timeouts) hold for every session whatever its environment.
 */
import type { ShellSettings } from '../shell/shell-settings';
import type { EnvironmentConfig } from './environment';

/** The per-session part of the sandbox an environment sets. */
export interface EnvironmentSandbox {
  /** Host patterns the session's sandbox and web_fetch may reach (src/domain/host-allowlist.ts); empty: none. */
  allowedHosts: string[];
}

export function environmentSandbox(config: EnvironmentConfig): EnvironmentSandbox {
  return { allowedHosts: [...config.networking.allowed_hosts] };
}

/** The shell settings of a session in `config`: the worker's, with the environment's allowlist. */
export function sessionShellSettings(worker: ShellSettings, config: EnvironmentConfig): ShellSettings {
  return { ...worker, ...environmentSandbox(config) };
}
