/**
 * `lucid tool-result` answers a custom tool call a session waits for (the real CLI as a subprocess, a real worker
 * and the scripted model); `lucid events` shows the call and the answer. A second answer is refused (exit 1).
 */
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { expectExit, runLucid, waitFor } from '../helpers/cli';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';

const agent: AgentDefinition = {
  name: 'cli-clerk',
  model: 'scripted-cli',
  system: 'You look tickets up.',
  tools: [
    {
      type: 'custom',
      name: 'lookup_ticket',
      description: 'Look a ticket up in the tracker',
      input_schema: { type: 'object', properties: { id: { type: 'string' } } },
    },
  ],
  max_turns: 5,
  max_tokens: 256,
};

describe('lucid tool-result', () => {
  let harness: SessionHarness;
  let env: Record<string, string>;
  let workDir: string;
  const lucid = (...args: string[]) => runLucid(args, env, workDir);

  beforeAll(async () => {
    harness = await startSessionHarness({
      rules: [
        {
          match: { last_user_text: 'Look T-1 up' },
          reply: { content: [{ type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-1' } }] },
        },
        { match: { last_tool_result: 'T-1 is open' }, reply: { content: [{ type: 'text', text: 'It is open.' }] } },
      ],
    });
    workDir = tempDir('lucid-cli-tool-result-');
    env = {
      TEMPORAL_ADDRESS: harness.temporal.address,
      LUCID_TASK_QUEUE: harness.taskQueue,
      LUCID_DATA_DIR: harness.dataDir,
    };
  });
  afterAll(async () => harness?.close());

  it('answers the waiting call, and refuses a second answer', async () => {
    const sessionId = await harness.lucid.startSession({ agent, message: 'Look T-1 up', keep_alive_seconds: 30 });
    const waiting = await waitFor(
      () => harness.lucid.snapshot(sessionId),
      (snapshot) => snapshot?.stop_reason?.type === 'requires_action',
    );
    const stop = waiting?.stop_reason;
    if (stop?.type !== 'requires_action') throw new Error(`no requires_action: ${JSON.stringify(stop)}`);
    const [useId] = stop.event_ids;

    const answered = await lucid('tool-result', sessionId, useId, '--content', 'T-1 is open');
    expectExit(answered, 0);
    expect(answered.stdout).toBe(`tool result for ${useId} sent to ${sessionId}\n`);
    const done = await waitFor(
      () => harness.lucid.snapshot(sessionId),
      (snapshot) => snapshot?.final_message === 'It is open.',
    );
    expect(done?.final_message).toBe('It is open.');

    const again = await lucid('tool-result', sessionId, useId, '--content', 'again', '--error');
    expectExit(again, 1);
    expect(again.stderr).toContain(`${useId} has been answered already; nothing was changed`);
    const events = await lucid('events', sessionId);
    expectExit(events, 0);
    expect(events.stdout).toContain(`lookup_ticket id="T-1" (custom: waits for the client's answer to ${useId})`);
    expect(events.stdout).toContain(`idle (requires_action: ${useId})`);
    expect(events.stdout).toContain(`✓ result for ${useId}: T-1 is open`);
  });
});
