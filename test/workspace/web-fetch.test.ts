/** web_fetch against a real HTTP server on loopback. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { runWorkspaceTool, type ToolOutcome } from '../../src/workspace/tools';
import { htmlToText, MAX_FETCH_BYTES } from '../../src/workspace/web-fetch';

let server: http.Server;
let base: string;
let port: number;
let workspace: string;
const requested: string[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    requested.push(`${request.headers.host}${request.url}`);
    const routes: Record<string, () => void> = {
      '/page': () => {
        response.setHeader('content-type', 'text/html; charset=utf-8');
        response.end(
          '<html><head><style>p{}</style><script>alert(1)</script></head><body><h1>Title</h1>' +
            '<p>Fish &amp; chips &lt;3</p></body></html>',
        );
      },
      '/plain': () => response.end('just text'),
      '/hop': () => response.writeHead(302, { location: '/plain' }).end(),
      '/away': () => response.writeHead(301, { location: `http://localhost:${port}/plain` }).end(),
      '/loop': () => response.writeHead(302, { location: '/loop' }).end(),
      '/huge': () => {
        response.write(Buffer.alloc(MAX_FETCH_BYTES, 'a'));
        response.end('tail that is never read');
      },
    };
    (routes[request.url ?? ''] ?? (() => response.writeHead(404).end('missing')))();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  workspace = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lucid-web-fetch-'));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fs.promises.rm(workspace, { recursive: true, force: true });
});

beforeEach(() => requested.splice(0));

const env = { LUCID_NETWORK_ALLOWED_HOSTS: ' example.org , 127.0.0.1 ' };
const fetchTool = (url: unknown, environment: NodeJS.ProcessEnv = env): Promise<ToolOutcome> =>
  runWorkspaceTool({ workspace, name: 'web_fetch', input: { url }, env: environment });

describe('web_fetch', () => {
  it('returns an allowed page, HTML as text', async () => {
    const outcome = await fetchTool(`${base}/page`);
    expect(outcome.is_error).toBe(false);
    expect(outcome.content).toBe(`200 OK ${base}/page (text/html; charset=utf-8)\n\nTitle\nFish & chips <3`);
  });

  it('follows a redirect to an allowed host', async () => {
    const outcome = await fetchTool(`${base}/hop`);
    expect(outcome).toEqual({ is_error: false, content: expect.stringMatching(/^200 OK .*\/plain .*\n\njust text$/) });
    expect(requested).toEqual([`127.0.0.1:${port}/hop`, `127.0.0.1:${port}/plain`]);
  });

  it('refuses a redirect to a host not on the allowlist, without requesting it', async () => {
    const outcome = await fetchTool(`${base}/away`);
    expect(outcome.is_error).toBe(true);
    expect(outcome.content).toMatch(/redirects to localhost:\d+, which is not an allowed host/);
    expect(requested).toEqual([`127.0.0.1:${port}/away`]);
  });

  it('refuses a host not on the allowlist, without requesting it', async () => {
    const outcome = await fetchTool(`http://localhost:${port}/plain`);
    expect(outcome).toEqual({
      is_error: true,
      content: `web_fetch refused: localhost:${port} is not an allowed host (allowed: example.org, 127.0.0.1).`,
    });
    expect(requested).toEqual([]);
  });

  it('refuses other schemes, bad URLs and endless redirects', async () => {
    expect((await fetchTool('file:///etc/passwd')).content).toMatch(/only http and https URLs/);
    expect((await fetchTool('not a url')).content).toMatch(/is not a valid URL/);
    expect((await fetchTool(`${base}/loop`)).content).toMatch(/more than 5 redirects/);
  });

  it('cuts a body past the size limit, and the output to the usual cap', async () => {
    const outcome = await fetchTool(`${base}/huge`);
    expect(outcome.is_error).toBe(false);
    expect(outcome.content).toMatch(/\[output truncated: showed \d+ of \d+ characters\]$/);
  });

  it('reports a 404 as the page it is', async () => {
    const outcome = await fetchTool(`${base}/nothing`);
    expect(outcome).toEqual({ is_error: false, content: expect.stringMatching(/^404 Not Found .*\n\nmissing$/) });
  });

  it('is not configured without an allowlist', async () => {
    expect((await fetchTool(`${base}/plain`, {})).content).toMatch(/web_fetch is not configured on this worker/);
    expect(requested).toEqual([]);
  });
});

describe('the allowlist', () => {
  it('turns HTML into text simply', () => {
    expect(htmlToText('<div>a<br>b</div><!-- c --><li>d</li>&nbsp;&quot;e&quot;')).toBe('a\nb\nd\n "e"');
    expect(htmlToText('<p>kept</p><SCRIPT type="x">if (a < b) {}</Script ><p>too</p>')).toBe('kept\ntoo');
    expect(htmlToText('<b>start</b><script>never closed <p>lost</p>')).toBe('start');
    expect(htmlToText(`x${'<!-- open '.repeat(50_000)}`)).toBe('x');
  });
});
