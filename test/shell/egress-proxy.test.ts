/**
 * The sandbox's only way out: with LUCID_NETWORK_ALLOWED_HOSTS set, commands reach the allowed hosts through the
 * worker's proxy (plain HTTP and HTTPS tunnels) and nothing else; without it, nothing at all.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ShellPool } from '../../src/shell/shell-pool';
import { DEFAULT_SHELL_SETTINGS } from '../../src/shell/shell-settings';
import { tempDir } from '../helpers/temporal';

describe('the egress proxy', () => {
  let server: http.Server;
  let port: number;
  const requests: string[] = [];
  let pool: ShellPool;
  let closedPool: ShellPool;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      requests.push(`${request.headers.host} ${request.url}`);
      response.end(`served ${request.url}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    pool = await ShellPool.create({ ...DEFAULT_SHELL_SETTINGS, allowedHosts: ['localhost'] });
    closedPool = await ShellPool.create(DEFAULT_SHELL_SETTINGS);
  });
  afterAll(async () => {
    await pool.close();
    await closedPool.close();
    server.close();
  });

  const run = (shells: ShellPool, command: string) =>
    shells.run({ sessionId: 'sesn_egress', workspace: tempDir('lucid-egress-'), command, timeoutMs: 10_000 });

  it('lets curl and Python reach an allowed host', async () => {
    expect((await run(pool, `curl -sS http://localhost:${port}/curl`)).output).toBe('served /curl\n');
    const python = `python3 -c "import urllib.request as u; print(u.urlopen('http://localhost:${port}/py').read().decode())"`;
    expect((await run(pool, python)).output).toBe('served /py\n\n');
    expect(requests).toEqual([`localhost:${port} /curl`, `localhost:${port} /py`]);
  });

  it('refuses any other host, by address or by tunnel, naming the setting', async () => {
    const before = requests.length;
    const byAddress = await run(pool, `curl -sS http://127.0.0.1:${port}/address`);
    expect(byAddress.output).toContain('refused 127.0.0.1');
    expect(byAddress.output).toContain('LUCID_NETWORK_ALLOWED_HOSTS');
    const tunnel = await run(pool, `curl -sS -p -x http://127.0.0.1:3128 http://127.0.0.1:${port}/tunnel 2>&1`);
    expect(tunnel.output).toContain('403');
    const direct = await run(pool, `curl -sS --noproxy '*' --max-time 2 http://localhost:${port}/direct 2>&1`);
    expect(direct.output).toContain('Failed to connect');
    expect(requests.length).toBe(before);
  });

  it("follows the session's own allowlist (its environment's) over the worker's, in a fresh shell when it changes", async () => {
    const workspace = tempDir('lucid-egress-env-');
    const call = (shells: ShellPool, allowedHosts: string[], command: string) =>
      shells.run({ sessionId: 'sesn_env', workspace, command, timeoutMs: 10_000, allowedHosts });
    const before = requests.length;
    expect((await call(closedPool, ['localhost'], `curl -sS http://localhost:${port}/env`)).output).toBe(
      'served /env\n',
    );
    const narrowed = await call(closedPool, ['example.org'], `curl -sS http://localhost:${port}/narrowed 2>&1`);
    expect(narrowed.freshShell).toBe(true);
    expect(narrowed.output).toContain('refused localhost');
    const none = await call(pool, [], `env | grep -ci proxy; curl -sS --max-time 2 http://localhost:${port}/none 2>&1`);
    expect(none.output).toMatch(/^0\ncurl: \(7\)/);
    expect(requests.slice(before)).toEqual([`localhost:${port} /env`]);
  });

  it('is absent when no host is allowed: no proxy variables, no socket, no route', async () => {
    const result = await run(
      closedPool,
      `env | grep -ci proxy; ls /run/lucid 2>&1; curl -sS --max-time 2 http://localhost:${port}/x 2>&1`,
    );
    expect(result.output).toMatch(/^0\n.*No such file or directory\ncurl: \(7\)/s);
    expect(fs.existsSync('/run/lucid/proxy.sock')).toBe(false);
  });
});
