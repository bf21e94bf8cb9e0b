import fs from 'node:fs';
import tls from 'node:tls';
import { LucidError } from '../../errors';

/**
 * TLS to Lucid's PostgreSQL from environment variables named as Temporal's envconfig names its own
 * (TEMPORAL_TLS_*), so one deployment sets both the same way:
 *
 *   LUCID_DATABASE_TLS                              true / false (on when any variable below is set)
 *   LUCID_DATABASE_TLS_SERVER_CA_CERT_PATH / _DATA  the CA that signed the server's certificate (else the system's)
 *   LUCID_DATABASE_TLS_CLIENT_CERT_PATH / _DATA     a client certificate, for PostgreSQL's `cert` authentication
 *   LUCID_DATABASE_TLS_CLIENT_KEY_PATH / _DATA      its private key
 *   LUCID_DATABASE_TLS_SERVER_NAME                  the name the server's certificate must carry (else the URL's host)
 *   LUCID_DATABASE_TLS_DISABLE_HOST_VERIFICATION    true: check the chain but not the name (libpq's verify-ca)
 *
 * With TLS on, the server's certificate is always verified: there is no mode that accepts any certificate. The
 * URL's own libpq parameters (sslmode, sslrootcert, ...) still work; setting both is refused as ambiguous, since
 * node-postgres would let the URL win silently. Files are read once, when the process opens its pool.
 */
export type DatabaseTls = tls.ConnectionOptions;

const PREFIX = 'LUCID_DATABASE_TLS';
const PEM_SETTINGS = ['SERVER_CA_CERT', 'CLIENT_CERT', 'CLIENT_KEY'] as const;
const URL_TLS_PARAMETERS = ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey'];

/** A bad LUCID_DATABASE_TLS* setting; the message names the variable. */
export class DatabaseTlsError extends LucidError {
  readonly code = 'invalid_database_setting';
  readonly fault = 'user_input';
}

/** The TLS options for the pool, or undefined when no LUCID_DATABASE_TLS* variable asks for TLS. */
export function databaseTlsFromEnvironment(url: string, env: NodeJS.ProcessEnv = process.env): DatabaseTls | undefined {
  const set = Object.keys(env).filter((name) => name.startsWith(PREFIX) && env[name]?.trim());
  if (set.length === 0) return undefined;
  const enabled = flag(env, PREFIX);
  if (enabled === false) {
    const others = set.filter((name) => name !== PREFIX);
    if (others.length) throw new DatabaseTlsError(`${PREFIX}=false contradicts ${others.join(', ')}`);
    return undefined;
  }
  const inUrl = urlTlsParameters(url);
  if (inUrl.length) {
    throw new DatabaseTlsError(
      `LUCID_DATABASE_URL sets TLS (${inUrl.join(', ')}) and so do ${set.join(', ')}: use one or the other`,
    );
  }
  const [ca, cert, key] = PEM_SETTINGS.map((setting) => pem(env, setting));
  if (Boolean(cert) !== Boolean(key)) {
    throw new DatabaseTlsError(`a client certificate needs its key: set both ${PREFIX}_CLIENT_CERT_* and _KEY_*`);
  }
  const serverName = env[`${PREFIX}_SERVER_NAME`]?.trim();
  const verifyHost = flag(env, `${PREFIX}_DISABLE_HOST_VERIFICATION`) !== true;
  return {
    rejectUnauthorized: true,
    ...(ca && { ca }),
    ...(cert && { cert, key }),
    // Here, not as `servername`: node-postgres overwrites that with the URL's host.
    checkServerIdentity: verifyHost
      ? (host, certificate) => tls.checkServerIdentity(serverName || host, certificate)
      : () => undefined,
  };
}

/** The PEM text of a setting, from its _DATA variable or the file its _PATH variable names. */
function pem(env: NodeJS.ProcessEnv, setting: (typeof PEM_SETTINGS)[number]): string | undefined {
  const data = env[`${PREFIX}_${setting}_DATA`]?.trim();
  const file = env[`${PREFIX}_${setting}_PATH`]?.trim();
  if (data && file) throw new DatabaseTlsError(`set ${PREFIX}_${setting}_DATA or _PATH, not both`);
  if (data) return data;
  if (!file) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new DatabaseTlsError(`${PREFIX}_${setting}_PATH: cannot read ${file}: ${(error as Error).message}`);
  }
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new DatabaseTlsError(`${name} must be true or false, got "${env[name]}"`);
}

function urlTlsParameters(url: string): string[] {
  try {
    const parameters = new URL(url).searchParams;
    return URL_TLS_PARAMETERS.filter((name) => parameters.has(name));
  } catch {
    return [];
  }
}
