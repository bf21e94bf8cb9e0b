/**
 * The `bash` tool end to end: a session on a real worker calls it through the scripted model, in the worker's
 * real bubblewrap sandbox, and the shell keeps its state from call to call.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import type { Scenario } from '../../src/scripted-model/scenario';
import { startSessionHarness, workspaceOf, type SessionHarness } from '../helpers/session';

const agent: AgentDefinition = {
  name: 'shell-user',
  model: 'scripted-small',
  system: 'You use the shell.',
  tools: ['bash'],
  max_turns: 10,
  max_tokens: 1024,
};

const bash = (command: string) => ({ content: [{ type: 'tool_use' as const, name: 'bash', input: { command } }] });

const scenario: Scenario = {
  rules: [
    { match: { last_user_text: 'Use the shell' }, times: 1, reply: bash('cd /tmp && export GREETING=hello') },
    { match: {}, times: 1, reply: bash('echo "$GREETING from $(pwd)"; echo line >> /workspace/log.txt') },
    { match: {}, times: 1, reply: { content: [{ type: 'text', text: 'Done.' }] } },
  ],
};

function toolResults(events: SessionEvent[]): Array<{ text: string; is_error: boolean }> {
  return events.flatMap((event) =>
    event.type === 'agent.tool_result'
      ? [{ text: event.content.map((block) => block.text).join(''), is_error: event.is_error }]
      : [],
  );
}

describe('bash in a session', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness(scenario);
  });
  afterAll(async () => harness?.close());

  it('runs commands in a persistent sandboxed shell over the session workspace', async () => {
    const sessionId = await harness.lucid.startSession({ agent, message: 'Use the shell please' });
    await harness.lucid.result(sessionId);
    const results = toolResults(await harness.store.readEvents(sessionId));
    expect(results).toEqual([
      { text: '(no output)', is_error: false },
      { text: 'hello from /tmp\n', is_error: false },
    ]);
    expect(fs.readFileSync(path.join(workspaceOf(harness, sessionId), 'log.txt'), 'utf8')).toBe('line\n');
  });
});
