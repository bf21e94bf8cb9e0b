/**
 * `npm run server` as a real process against the run's Temporal dev server: it takes its keys from a keys file,
 * listens where `--port` says, keeps agents across a restart, never prints a key, and stops cleanly on SIGTERM.
 */
import Anthropic from '@anthropic-ai/sdk';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/temporal';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

const KEY = 'lucid-process-key-5f2a9c';
let dir: string;
let running: ServerProcess | undefined;

beforeEach(() => {
  dir = tempDir('lucid-server-');
  fs.writeFileSync(path.join(dir, 'keys'), `# test keys\n${KEY}\n`);
});

afterEach(async () => {
  await running?.stop('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function start(): ServerProcess {
  const address = process.env.LUCID_TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('LUCID_TEST_TEMPORAL_ADDRESS is not set: run tests through jest');
  running = startServerProcess(['--port', '0'], {
    TEMPORAL_ADDRESS: address,
    LUCID_DATA_DIR: path.join(dir, 'data'),
    LUCID_API_KEYS_FILE: path.join(dir, 'keys'),
    LUCID_API_KEYS: '',
  });
  return running;
}

test('the server keeps agents across a restart, never logs the key, and exits 0 on SIGTERM', async () => {
  const first = start();
  const client = new Anthropic({ baseURL: await first.ready, apiKey: KEY });
  const agent = await client.beta.agents.create({ name: 'scribe', model: 'claude-sonnet-4-5', system: 'Notes.' });
  await expect(
    new Anthropic({ baseURL: await first.ready, apiKey: 'wrong' }).beta.agents.list(),
  ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  expect(await first.stop('SIGTERM')).toBe(0);
  expect(first.output()).not.toContain(KEY);
  expect(first.output()).not.toContain('wrong');

  const second = start();
  const again = new Anthropic({ baseURL: await second.ready, apiKey: KEY });
  expect(await again.beta.agents.retrieve(agent.id)).toEqual(agent);
  expect(await second.stop('SIGTERM')).toBe(0);
});
