/**
 * The only way out of a sandbox, and only when the operator allows some hosts (./host-allowlist.ts): an HTTP proxy
 * on a Unix socket that is bound into each sandbox. It forwards plain HTTP requests and tunnels HTTPS (`CONNECT`)
 * to allowed hosts, and answers 403 for any other, naming the setting to change. The sandbox itself still has no
 * network interface but loopback; inside, a small relay (./persistent-shell.ts) listens on 127.0.0.1:3128 and
 * carries connections to this socket, and HTTP_PROXY / HTTPS_PROXY point there, which pip, curl, git and Python's
 * urllib all follow. Names are resolved here, on the worker: the sandbox has no DNS.
 */
import http from 'node:http';
import net from 'node:net';
import { promises as fs } from 'node:fs';
import { hostAllowed } from '../domain/host-allowlist';

/** A tunnel or request idle this long is closed. */
const IDLE_MS = 120_000;

export interface EgressProxy {
  socketPath: string;
  close(): Promise<void>;
}

export async function startEgressProxy(socketPath: string, allowedHosts: readonly string[]): Promise<EgressProxy> {
  const server = http.createServer((request, response) => forwardRequest(request, response, allowedHosts));
  server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) =>
    tunnel(request, client, head, allowedHosts),
  );
  server.on('clientError', (_error, socket: net.Socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  await fs.chmod(socketPath, 0o666); // sandboxes run as their own uids
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function refusal(host: string): string {
  return `Lucid's sandbox proxy refused ${host}: only the hosts in LUCID_NETWORK_ALLOWED_HOSTS may be reached.\n`;
}

/** `CONNECT host:port`: a TCP tunnel, for HTTPS. */
function tunnel(request: http.IncomingMessage, client: net.Socket, head: Buffer, allowedHosts: readonly string[]) {
  const target = parseAuthority(request.url ?? '');
  client.on('error', () => client.destroy());
  if (!target || !hostAllowed(target.host, allowedHosts)) {
    const body = refusal(target?.host ?? String(request.url));
    client.end(
      `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    return;
  }
  const upstream = net.connect(target.port, target.host, () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  for (const socket of [client, upstream]) socket.setTimeout(IDLE_MS, () => socket.destroy());
  upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n'));
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
}

/** `GET http://host/path`: a plain HTTP request, forwarded. */
function forwardRequest(request: http.IncomingMessage, response: http.ServerResponse, allowedHosts: readonly string[]) {
  let url: URL;
  try {
    url = new URL(request.url ?? '');
  } catch {
    response
      .writeHead(400, { 'content-type': 'text/plain' })
      .end("Lucid's sandbox proxy needs an absolute http:// URL.\n");
    return;
  }
  if (url.protocol !== 'http:' || !hostAllowed(url.hostname, allowedHosts)) {
    response.writeHead(403, { 'content-type': 'text/plain' }).end(refusal(url.host));
    return;
  }
  const upstream = http.request(
    url,
    { method: request.method, headers: withoutHopByHop(request.headers), timeout: IDLE_MS },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
      answer.pipe(response);
    },
  );
  upstream.on('error', () => {
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
    response.end();
  });
  upstream.on('timeout', () => upstream.destroy());
  request.pipe(upstream);
}

function parseAuthority(authority: string): { host: string; port: number } | null {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority);
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return null;
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
]);

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}
