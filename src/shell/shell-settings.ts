/**
 * Limits and switches of the sandboxed shell behind the `bash` tool, read once when the worker starts so a typo
 * stops it with a clear message (docs/tools.md lists them):
 *
 *   LUCID_SANDBOX                    "bubblewrap" (default) or "off" (the worker does not offer bash)
 *   LUCID_BASH_DEFAULT_TIMEOUT_MS    wall time of a call that names no timeout_ms (120000)
 *   LUCID_BASH_MAX_TIMEOUT_MS        the largest timeout_ms a call may ask for (600000)
 *   LUCID_SANDBOX_CPU_SECONDS        CPU time of each process in the sandbox (600)
 *   LUCID_SANDBOX_MEMORY_MB          memory of a sandbox's processes together (without control groups: each) (4096)
 *   LUCID_SANDBOX_MAX_PROCESSES      processes and threads of a sandbox (without control groups: its user's) (256)
 *   LUCID_SANDBOX_MAX_FILE_MB        largest file a process in the sandbox may write (1024)
 *   LUCID_SANDBOX_TMP_MB             size of the sandbox's private /tmp (512)
 *   LUCID_BASH_MAX_OUTPUT_MB         output one call may produce before it is killed (32)
 *   LUCID_SANDBOX_IDLE_SECONDS       a shell unused this long is stopped; the next call starts a fresh one (900)
 *   LUCID_SANDBOX_MAX_SHELLS         live shells per worker; past it the least recently used idle one is stopped (256)
 *   LUCID_SANDBOX_UID_BASE           first host uid of the range sandboxes run as when the worker is root (200000)
 *   LUCID_NETWORK_ALLOWED_HOSTS      hosts a sandbox may reach through the worker's proxy, e.g.
 *                                    "pypi.org,*.pythonhosted.org" (none: no network at all)
 */
import { LucidError } from '../errors';
import { parseHostAllowlist } from '../domain/host-allowlist';
import { readWholeNumberVariables, type WholeNumberVariable } from '../whole-number-variables';

export interface ShellSettings {
  enabled: boolean;
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  cpuSeconds: number;
  memoryMb: number;
  maxProcesses: number;
  maxFileMb: number;
  tmpMb: number;
  maxOutputMb: number;
  idleSeconds: number;
  maxShells: number;
  uidBase: number;
  /** Host patterns of LUCID_NETWORK_ALLOWED_HOSTS (./host-allowlist.ts); empty: no network. */
  allowedHosts: string[];
}

export const DEFAULT_SHELL_SETTINGS: ShellSettings = {
  enabled: true,
  defaultTimeoutMs: 120_000,
  maxTimeoutMs: 600_000,
  cpuSeconds: 600,
  memoryMb: 4096,
  maxProcesses: 256,
  maxFileMb: 1024,
  tmpMb: 512,
  maxOutputMb: 32,
  idleSeconds: 900,
  maxShells: 256,
  uidBase: 200_000,
  allowedHosts: [],
};

/** A bad LUCID_SANDBOX / LUCID_BASH_* value; the message names the variable and what it accepts. */
export class ShellSettingsError extends LucidError {
  readonly code = 'invalid_shell_setting';
  readonly fault = 'user_input';
}

type NumericSetting = Exclude<keyof ShellSettings, 'enabled' | 'allowedHosts'>;

const NUMERIC: ReadonlyArray<WholeNumberVariable<NumericSetting>> = [
  { name: 'LUCID_BASH_DEFAULT_TIMEOUT_MS', setting: 'defaultTimeoutMs', min: 100, max: 86_400_000 },
  { name: 'LUCID_BASH_MAX_TIMEOUT_MS', setting: 'maxTimeoutMs', min: 100, max: 86_400_000 },
  { name: 'LUCID_SANDBOX_CPU_SECONDS', setting: 'cpuSeconds', min: 1, max: 86_400 },
  { name: 'LUCID_SANDBOX_MEMORY_MB', setting: 'memoryMb', min: 64, max: 1_048_576 },
  { name: 'LUCID_SANDBOX_MAX_PROCESSES', setting: 'maxProcesses', min: 8, max: 100_000 },
  { name: 'LUCID_SANDBOX_MAX_FILE_MB', setting: 'maxFileMb', min: 1, max: 1_048_576 },
  { name: 'LUCID_SANDBOX_TMP_MB', setting: 'tmpMb', min: 1, max: 1_048_576 },
  { name: 'LUCID_BASH_MAX_OUTPUT_MB', setting: 'maxOutputMb', min: 1, max: 4096 },
  { name: 'LUCID_SANDBOX_IDLE_SECONDS', setting: 'idleSeconds', min: 1, max: 604_800 },
  { name: 'LUCID_SANDBOX_MAX_SHELLS', setting: 'maxShells', min: 1, max: 100_000 },
  { name: 'LUCID_SANDBOX_UID_BASE', setting: 'uidBase', min: 1000, max: 4_000_000_000 },
];

/** The defaults with the environment's overrides; throws {@link ShellSettingsError} on a bad value. */
export function shellSettings(env: NodeJS.ProcessEnv = process.env): ShellSettings {
  const settings: ShellSettings = {
    ...DEFAULT_SHELL_SETTINGS,
    enabled: sandboxEnabled(env.LUCID_SANDBOX),
    allowedHosts: allowedHosts(env.LUCID_NETWORK_ALLOWED_HOSTS),
    ...readWholeNumberVariables(env, NUMERIC, (message) => new ShellSettingsError(message)),
  };
  if (settings.defaultTimeoutMs > settings.maxTimeoutMs)
    throw new ShellSettingsError(
      `LUCID_BASH_DEFAULT_TIMEOUT_MS (${settings.defaultTimeoutMs}) must not exceed LUCID_BASH_MAX_TIMEOUT_MS (${settings.maxTimeoutMs})`,
    );
  return settings;
}

function sandboxEnabled(raw: string | undefined): boolean {
  const value = raw?.trim() || 'bubblewrap';
  if (value === 'bubblewrap') return true;
  if (value === 'off') return false;
  throw new ShellSettingsError(`LUCID_SANDBOX must be "bubblewrap" or "off", got "${value}"`);
}

function allowedHosts(raw: string | undefined): string[] {
  try {
    return parseHostAllowlist(raw);
  } catch (error) {
    throw new ShellSettingsError(`LUCID_NETWORK_ALLOWED_HOSTS: ${(error as Error).message}`);
  }
}
