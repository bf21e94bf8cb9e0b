/**
 * README's SDK example is examples/quickstart.mjs, verbatim, and it works: run as a reader runs it (`node
 * examples/quickstart.mjs`, the published SDK from node_modules) against a real API server, a real worker and the
 * scripted model playing the demo's scenario, which is what it meets under `npm run demo -- --keep-running`.
 */
import Anthropic from '@anthropic-ai/sdk';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEMO_API_KEY, QUICKSTART_FILE } from '../../scripts/lib/demo/sdk-act';
import { DEFAULT_HTTP_PORT } from '../../src/api/server-settings';
import { loadScenarioFile } from '../../src/scripted-model/scenario';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startSessionHarness, type SessionHarness } from '../helpers/session';

const ROOT = path.resolve(__dirname, '..', '..');
const SCENARIO = path.join(ROOT, 'scenarios', 'demo.json');
const snippet = fs.readFileSync(QUICKSTART_FILE, 'utf8');

describe("README's SDK example (examples/quickstart.mjs)", () => {
  let harness: SessionHarness;
  let server: TestApiServer;

  beforeAll(async () => {
    harness = await startSessionHarness({ ...loadScenarioFile(SCENARIO), default_delay_ms: 0 });
    server = await startTestApiServer({ lucid: harness.lucid });
  });
  afterAll(async () => {
    await server?.close();
    await harness?.close();
  });

  it('is in README.md verbatim, and by default talks to the API of `npm run demo` with its key', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('```js\n' + snippet + '```\n');
    expect(snippet).toContain(`LUCID_BASE_URL = 'http://127.0.0.1:${DEFAULT_HTTP_PORT}'`);
    expect(snippet).toContain(`LUCID_API_KEY = '${DEMO_API_KEY}'`);
  });

  it('runs with node against a real server: the greeting, the answer, and the session idle', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [QUICKSTART_FILE], {
      cwd: ROOT,
      env: { ...process.env, LUCID_BASE_URL: server.baseURL, LUCID_API_KEY: TEST_API_KEY },
      timeout: 60_000,
    });
    const lines = stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.trimEnd());
    expect(lines).toEqual([
      'user.message',
      'session.status_running',
      'span.model_request_start',
      expect.stringMatching(/^agent\.message Hello! I run on Lucid: /),
      'span.model_request_end',
      'session.status_idle',
    ]);
    // What it made is there for any client to read, through the same API.
    const client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY });
    const [session] = (await client.beta.sessions.list()).data;
    expect(session).toMatchObject({ status: 'idle', agent: { name: 'Greeter' } });
    const environments = (await client.beta.environments.list()).data;
    expect(environments.map((environment) => environment.name)).toEqual(['quickstart']);
  });
});
