/**
 * TLS to PostgreSQL from the LUCID_DATABASE_TLS_* variables (src/storage/postgres/database-tls.ts), against a real
 * PostgreSQL that takes TCP connections over TLS only and authenticates clients by certificate, with certificates
 * made by openssl for the test: the right CA and client certificate connect (and db:migrate runs); a wrong CA, a
 * wrong server name or a missing client certificate is refused with the reason; without the variables nothing
 * gets in.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../../scripts/lib/throwaway-postgres';
import { databaseConfig, openPool } from '../../../src/storage/postgres/database';

jest.setTimeout(60_000);

let dir: string;
let server: ThrowawayPostgres;
let url: string;
const file = (name: string) => path.join(dir, name);

/** A CA, or a certificate for `subject` signed by the CA `ca`, with subjectAltNames for a server. */
function makeCertificate(name: string, subject: string, ca?: string): void {
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = ['-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${subject}`];
  if (!ca) {
    openssl(['req', '-x509', ...key, '-out', `${name}.pem`, '-days', '2']);
    return;
  }
  openssl(['req', ...key, '-out', `${name}.csr`]);
  fs.writeFileSync(file(`${name}.ext`), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial'].concat([
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ]),
  );
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-pg-tls-'));
  makeCertificate('ca', 'lucid test CA');
  makeCertificate('other-ca', 'someone else');
  makeCertificate('server', 'localhost', 'ca');
  makeCertificate('client', 'lucid', 'ca');
  server = await startThrowawayPostgres({
    tls: {
      certFile: file('server.pem'),
      keyFile: file('server.key'),
      caFile: file('ca.pem'),
      clientCertificates: true,
    },
  });
  url = await server.createDatabase('lucid_tls');
});
afterAll(() => {
  server?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const clientCertificate = () => ({
  LUCID_DATABASE_TLS_CLIENT_CERT_PATH: file('client.pem'),
  LUCID_DATABASE_TLS_CLIENT_KEY_PATH: file('client.key'),
});

/** Connects with these variables and answers whether the connection is TLS, or throws the connection's error. */
async function connect(env: NodeJS.ProcessEnv): Promise<boolean> {
  const pool = openPool(databaseConfig({ LUCID_DATABASE_URL: url, ...env })!);
  try {
    const { rows } = await pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0].ssl;
  } finally {
    await pool.end();
  }
}

it('connects over TLS with the CA and a client certificate, from files or from the variables themselves', async () => {
  expect(await connect({ LUCID_DATABASE_TLS_SERVER_CA_CERT_PATH: file('ca.pem'), ...clientCertificate() })).toBe(true);
  const data = {
    LUCID_DATABASE_TLS_SERVER_CA_CERT_DATA: fs.readFileSync(file('ca.pem'), 'utf8'),
    LUCID_DATABASE_TLS_CLIENT_CERT_DATA: fs.readFileSync(file('client.pem'), 'utf8'),
    LUCID_DATABASE_TLS_CLIENT_KEY_DATA: fs.readFileSync(file('client.key'), 'utf8'),
  };
  expect(await connect(data)).toBe(true);
});

it('refuses a server its CA did not sign, and a certificate for another name unless host checks are off', async () => {
  await expect(
    connect({ LUCID_DATABASE_TLS_SERVER_CA_CERT_PATH: file('other-ca.pem'), ...clientCertificate() }),
  ).rejects.toThrow(/self-signed certificate in certificate chain/);
  const elsewhere = {
    LUCID_DATABASE_TLS_SERVER_CA_CERT_PATH: file('ca.pem'),
    LUCID_DATABASE_TLS_SERVER_NAME: 'db.example.com',
    ...clientCertificate(),
  };
  await expect(connect(elsewhere)).rejects.toThrow(/db\.example\.com/);
  expect(await connect({ ...elsewhere, LUCID_DATABASE_TLS_DISABLE_HOST_VERIFICATION: 'true' })).toBe(true);
  // Host checks off still checks the chain: a stranger's certificate is refused.
  await expect(
    connect({
      ...elsewhere,
      LUCID_DATABASE_TLS_DISABLE_HOST_VERIFICATION: 'true',
      LUCID_DATABASE_TLS_SERVER_CA_CERT_PATH: file('other-ca.pem'),
    }),
  ).rejects.toThrow(/self-signed certificate in certificate chain/);
});

it('gets nowhere without a client certificate, or without TLS at all', async () => {
  await expect(connect({ LUCID_DATABASE_TLS_SERVER_CA_CERT_PATH: file('ca.pem') })).rejects.toThrow(
    /requires a valid client certificate/,
  );
  await expect(connect({})).rejects.toThrow(/no encryption|pg_hba/);
});

it('runs npm run db:migrate over TLS', () => {
  const migrate = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/db-migrate.ts'], {
    cwd: path.join(__dirname, '..', '..', '..'),
    env: {
      ...process.env,
      LUCID_DATABASE_URL: url,
      LUCID_DATABASE_TLS_SERVER_CA_CERT_PATH: file('ca.pem'),
      ...clientCertificate(),
    },
    encoding: 'utf8',
  });
  expect(migrate.stderr).toBe('');
  expect(migrate.stdout).toMatch(/lucid_tls: applied .*; schema version \d+/);
  expect(migrate.status).toBe(0);
});
