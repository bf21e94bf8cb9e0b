/**
 * What Lucid asks of its PostgreSQL, measured rather than guessed: a loopback TCP proxy in front of the database
 * that every Lucid connection goes through and that reads the wire protocol, plus PostgreSQL's own views.
 *
 *   statements      the client's Query ('Q', a simple query) and Execute ('E', one run of a prepared or
 *                   parameterised statement) messages: one a statement node-postgres sends
 *   bytes           TCP payload each way, to the database and back
 *   WAL bytes       pg_wal_lsn_diff over the window: what the writes cost the database's log (and its replicas)
 *   connections     the most Lucid backends pg_stat_activity showed at once (application_name 'lucid'), sampled
 *                   every 100 ms, and the most proxied connections open at once (exact)
 *
 * pg_stat_statements is not loaded on the throwaway server, and pg_stat_database flushes its counters lazily, so
 * counting at the wire is what gives exact numbers per window.
 */
import net from 'node:net';
import { Client } from 'pg';

export interface DatabaseLoad {
  statements: number;
  bytes_to_database: number;
  bytes_from_database: number;
  wal_bytes: number;
  /** The most Lucid connections pg_stat_activity showed at once. */
  max_backends: number;
  /** The most connections open through the proxy at once. */
  max_connections: number;
}

export interface DatabaseMeter {
  /** The database's URL through the proxy: give it to Lucid (LUCID_DATABASE_URL). */
  readonly url: string;
  /** Starts a measuring window; `end` returns what happened in it. One window at a time. */
  begin(): Promise<{ end(): Promise<DatabaseLoad> }>;
  close(): Promise<void>;
}

/** Startup-phase request codes after which the real startup message follows (TLS and GSS encryption requests). */
const NEGOTIATION_CODES = new Set([80877103, 80877104]);
const SAMPLE_EVERY_MS = 100;

/** A meter in front of the database at `url` (a postgres:// URL on a TCP host). */
export async function startDatabaseMeter(url: string): Promise<DatabaseMeter> {
  const target = new URL(url);
  const counts = { statements: 0, toDatabase: 0, fromDatabase: 0, open: 0, maxOpen: 0 };
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const server = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(server);
    counts.open++;
    counts.maxOpen = Math.max(counts.maxOpen, counts.open);
    const countStatements = statementCounter(() => counts.statements++);
    client.on('data', (chunk: Buffer) => {
      counts.toDatabase += chunk.length;
      countStatements(chunk);
    });
    server.on('data', (chunk: Buffer) => (counts.fromDatabase += chunk.length));
    client.pipe(server).pipe(client);
    const close = () => {
      if (!sockets.delete(client)) return;
      sockets.delete(server);
      counts.open--;
      client.destroy();
      server.destroy();
    };
    for (const socket of [client, server]) socket.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((proxy.address() as net.AddressInfo).port);
  const observer = new Client({ connectionString: url, application_name: 'lucid-bench-meter' });
  await observer.connect();
  const database = target.pathname.slice(1) || 'postgres';
  const walLsn = async () =>
    (await observer.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
  const backends = async () =>
    Number(
      (
        await observer.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'lucid'",
          [database],
        )
      ).rows[0].n,
    );

  return {
    url: proxied.toString(),
    async begin() {
      const start = { ...counts, lsn: await walLsn() };
      counts.maxOpen = counts.open;
      let maxBackends = await backends();
      let sampling = Promise.resolve();
      const timer = setInterval(() => {
        sampling = sampling.then(async () => {
          maxBackends = Math.max(maxBackends, await backends().catch(() => 0));
        });
      }, SAMPLE_EVERY_MS);
      return {
        async end() {
          clearInterval(timer);
          await sampling;
          const lsn = await walLsn();
          const wal = await observer.query<{ bytes: string }>('SELECT pg_wal_lsn_diff($1, $2)::bigint AS bytes', [
            lsn,
            start.lsn,
          ]);
          return {
            statements: counts.statements - start.statements,
            bytes_to_database: counts.toDatabase - start.toDatabase,
            bytes_from_database: counts.fromDatabase - start.fromDatabase,
            wal_bytes: Number(wal.rows[0].bytes),
            max_backends: maxBackends,
            max_connections: counts.maxOpen,
          };
        },
      };
    },
    async close() {
      await observer.end().catch(() => {});
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

/**
 * Reads one connection's client-to-server stream and calls `onStatement` per Query or Execute message. The stream
 * starts with untyped messages (length, code: a startup message, or a TLS/GSS request answered before the real
 * startup); after the startup message every message is a type byte and a length that counts itself.
 */
export function statementCounter(onStatement: () => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let inStartup = true;
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      const header = inStartup ? 8 : 5;
      if (pending.length < header) return;
      const length = inStartup ? pending.readInt32BE(0) : 1 + pending.readInt32BE(1);
      if (pending.length < length) return;
      if (inStartup) inStartup = NEGOTIATION_CODES.has(pending.readInt32BE(4));
      else if (pending[0] === 0x51 || pending[0] === 0x45) onStatement(); // 'Q', 'E'
      pending = pending.subarray(length);
    }
  };
}

/** A load per unit (per turn), rounded for a table. */
export function perUnit(load: DatabaseLoad, units: number) {
  const per = (value: number) => Math.round((value / units) * 10) / 10;
  return {
    statements: per(load.statements),
    bytes_to_database: Math.round(load.bytes_to_database / units),
    bytes_from_database: Math.round(load.bytes_from_database / units),
    wal_bytes: Math.round(load.wal_bytes / units),
  };
}
