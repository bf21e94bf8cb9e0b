/**
 * A throwaway PostgreSQL server for tests and benchmarks, as the Temporal dev server is: a fresh cluster in a temp
 * directory, on a free loopback port, from the machine's PostgreSQL binaries (`npm run install-postgres` installs
 * them), trusting local connections, with fsync off because it is thrown away. Run as root it runs as
 * the `postgres` user, since PostgreSQL refuses to run as root.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ThrowawayPostgres {
  /** postgres:// URL of its `postgres` database, user `lucid`, no password. */
  readonly url: string;
  readonly port: number;
  /** The postmaster's process id while it runs (its backends are its children), for CPU accounting. */
  pid(): number;
  /** A URL for another database on the same server, created empty (one a test, so tests do not share tables). */
  createDatabase(name: string): Promise<string>;
  /** Stops the server at once (as a crash would), keeping its data; `start` brings it back on the same port. */
  stop(): void;
  start(): void;
  /** Stops it and removes its files. */
  destroy(): void;
}

/** A server that takes TCP connections over TLS only (the Unix socket stays open, trusted, for its own set-up). */
export interface ThrowawayTls {
  /** PEM files: the server's certificate and key, and the CA whose client certificates it accepts. */
  certFile: string;
  keyFile: string;
  caFile: string;
  /** Authenticate TCP clients by their certificate (PostgreSQL's `cert` method: its CN must be `lucid`). */
  clientCertificates: boolean;
}

export async function startThrowawayPostgres(options: { tls?: ThrowawayTls } = {}): Promise<ThrowawayPostgres> {
  const bin = postgresBinDir();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-pg-'));
  const data = path.join(root, 'data');
  const port = await freePort();
  const { run: asOwner, give } = clusterOwner(root);
  asOwner(path.join(bin, 'initdb'), ['-D', data, '-U', 'lucid', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const settings = [
    `-p ${port}`,
    `-k ${root}`,
    '-c listen_addresses=127.0.0.1',
    // Tests stop the server as a crash would (pg_ctl -m immediate), never the machine: the OS keeps what was
    // written, so fsync can go, but a commit must reach the WAL before it is acknowledged (synchronous_commit
    // stays on), or a "crash" loses writes Lucid was told were stored.
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
    ...(options.tls ? tlsSettings(root, data, options.tls, give) : []),
  ].join(' ');
  const pgCtl = (args: string[]) => asOwner(path.join(bin, 'pg_ctl'), ['-D', data, ...args]);
  const start = () => pgCtl(['-l', path.join(root, 'server.log'), '-o', settings, '-w', '-t', '60', 'start']);
  const stop = () => pgCtl(['-m', 'immediate', '-w', 'stop']);
  start();
  const url = `postgres://lucid@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    pid: () => Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]),
    async createDatabase(name) {
      if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a database name: ${name}`);
      const { Client } = await import('pg');
      // Over the Unix socket: a TLS-only server trusts it, and the others do too.
      const client = new Client({ host: root, port, user: 'lucid', database: 'postgres' });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://lucid@127.0.0.1:${port}/${name}`;
    },
    stop,
    start,
    destroy() {
      try {
        stop();
      } catch {
        // already stopped
      }
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** LUCID_POSTGRES_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout), else the PATH. */
function postgresBinDir(): string {
  if (process.env.LUCID_POSTGRES_BIN) return process.env.LUCID_POSTGRES_BIN;
  const debian = '/usr/lib/postgresql';
  const versions = fs.existsSync(debian)
    ? fs
        .readdirSync(debian)
        .filter((version) => fs.existsSync(path.join(debian, version, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length > 0) return path.join(debian, versions[0], 'bin');
  try {
    return path.dirname(execFileSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).trim());
  } catch {
    throw new Error('PostgreSQL is not installed (no initdb): run `npm run install-postgres`');
  }
}

/**
 * Runs PostgreSQL programs as the owner of the cluster (the `postgres` user when this process is root), and hands
 * it files.
 */
function clusterOwner(root: string): { run: (program: string, args: string[]) => void; give: (file: string) => void } {
  const isRoot = process.getuid?.() === 0;
  const owner = isRoot
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
        gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
      }
    : null;
  const give = (file: string) => owner && fs.chownSync(file, owner.uid, owner.gid);
  give(root);
  return {
    run: (program, args) => {
      const [command, commandArgs] = isRoot ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
      execFileSync(command, commandArgs, { stdio: 'pipe' });
    },
    give,
  };
}

/** The server's TLS files copied beside its data (the key private to the owner, as PostgreSQL insists), and TCP
 * connections limited to TLS by pg_hba.conf. */
function tlsSettings(root: string, data: string, tls: ThrowawayTls, give: (file: string) => void): string[] {
  const copy = (from: string, name: string) => {
    const to = path.join(root, name);
    fs.copyFileSync(from, to);
    fs.chmodSync(to, 0o600);
    give(to);
    return to;
  };
  const [cert, key, ca] = [
    copy(tls.certFile, 'server.pem'),
    copy(tls.keyFile, 'server.key'),
    copy(tls.caFile, 'ca.pem'),
  ];
  const method = tls.clientCertificates ? 'cert' : 'trust';
  fs.writeFileSync(path.join(data, 'pg_hba.conf'), `local all all trust\nhostssl all all 127.0.0.1/32 ${method}\n`);
  return ['-c ssl=on', `-c ssl_cert_file=${cert}`, `-c ssl_key_file=${key}`, `-c ssl_ca_file=${ca}`];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
