/**
 * Secrets never rest unredacted on disk: a workspace `.env` read by the agent reaches the tool journal, the event
 * log and the model only as redacted text.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { FsToolJournal } from '../../src/storage/fs-tool-journal';
import { callFile } from '../../src/storage/layout';
import { executeToolOnce } from '../../src/workspace/tool-journal';
import { dotEnvWithSecrets, secretValues } from '../helpers/secret-shapes';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';

/** Every file under `dir` whose bytes contain one of `values`, with the values found. */
function filesContaining(dir: string, values: string[]): { file: string; found: string[] }[] {
  const hits: { file: string; found: string[] }[] = [];
  for (const name of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, name);
    if (!fs.statSync(file).isFile()) continue;
    const text = fs.readFileSync(file, 'utf8');
    const found = values.filter((value) => text.includes(value));
    if (found.length > 0) hits.push({ file: name, found });
  }
  return hits;
}

describe('the tool journal', () => {
  it('records a read of .env redacted, and a retried call returns the same redacted text', async () => {
    const workspace = tempDir('lucid-secrets-ws-');
    const journalDir = tempDir('lucid-secrets-journal-');
    fs.writeFileSync(path.join(workspace, '.env'), dotEnvWithSecrets());
    const call = () =>
      executeToolOnce({
        workspace,
        journal: new FsToolJournal(journalDir),
        callId: 'toolu_env',
        name: 'read_file',
        input: { path: '.env' },
      });

    const outcome = await call();
    expect(outcome.is_error).toBe(false);
    expect(outcome.content).toContain('ANTHROPIC_API_KEY=[REDACTED]');
    expect(outcome.content).toContain('NODE_ENV=development');
    const recorded = fs.readFileSync(callFile(journalDir, 'toolu_env'), 'utf8');
    expect(JSON.parse(recorded).outcome).toEqual(outcome);
    expect(filesContaining(journalDir, secretValues())).toEqual([]);
    expect(await call()).toEqual(outcome);
  });

  it('redacts the worker’s own secrets by value through the redact option', async () => {
    const workspace = tempDir('lucid-secrets-ws-');
    const journalDir = tempDir('lucid-secrets-journal-');
    fs.writeFileSync(path.join(workspace, 'notes.txt'), 'the deploy password is correct-horse-battery\n');
    const outcome = await executeToolOnce({
      workspace,
      journal: new FsToolJournal(journalDir),
      callId: 'toolu_known',
      name: 'read_file',
      input: { path: 'notes.txt' },
      redact: (text) => text.split('correct-horse-battery').join('[REDACTED]'),
    });
    expect(outcome.content).toBe('the deploy password is [REDACTED]\n');
    expect(filesContaining(journalDir, ['correct-horse-battery'])).toEqual([]);
  });
});

describe('a session that reads a .env file', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({
      rules: [
        {
          match: {},
          times: 1,
          reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: '.env' } }] },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Read the settings.' }] } },
      ],
    });
  });
  afterAll(async () => harness?.close());

  it('leaves no secret anywhere in the data directory, and the model sees the redacted file', async () => {
    const agent: AgentDefinition = {
      name: 'reader',
      model: 'scripted-small',
      system: 'Read the settings.',
      tools: ['read_file'],
      max_turns: 3,
      max_tokens: 256,
    };
    const workspace = tempDir('lucid-secrets-session-');
    fs.writeFileSync(path.join(workspace, '.env'), dotEnvWithSecrets());
    const sessionId = await harness.lucid.startSession({ agent, message: 'Read .env', workspace });
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.final_message).toBe('Read the settings.');

    const toolResult = (await harness.store.readEvents(sessionId)).find((event) => event.type === 'agent.tool_result');
    expect(toolResult).toEqual(
      expect.objectContaining({
        is_error: false,
        content: [expect.objectContaining({ text: expect.stringContaining('GITHUB_TOKEN=[REDACTED]') })],
      }),
    );
    const secondRequest = JSON.stringify(harness.model.requests[1].body.messages);
    expect(secondRequest).toContain('OPENAI_API_KEY=\\"[REDACTED]\\"');
    expect(secretValues().filter((value) => secondRequest.includes(value))).toEqual([]);

    // The journal, the event log, snapshots: nothing under the data directory holds a secret.
    const journals = fs
      .readdirSync(harness.dataDir, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.includes('tool-journal') && name.endsWith('.json'));
    expect(journals.length).toBeGreaterThan(0);
    expect(filesContaining(harness.dataDir, secretValues())).toEqual([]);
  });
});
