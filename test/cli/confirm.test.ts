/**
 * `lucid pending`, `lucid approve` and `lucid deny` (the real CLI as a subprocess, a real worker and the scripted
 * model): pending lists a custom tool call and a confirmation of the same turn; approve runs the call, deny tells
 * the model why; a second answer is refused (exit 1); `lucid events` shows who decided.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { expectExit, runLucid, waitFor } from '../helpers/cli';
import { startSessionHarness, workspaceOf, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';

const agent: AgentDefinition = {
  name: 'cli-asker',
  model: 'scripted-cli',
  system: 'You write notes and look tickets up.',
  tools: [
    {
      type: 'agent_toolset_20260401',
      default_config: { enabled: false, permission_policy: { type: 'always_ask' } },
      configs: [{ name: 'write', enabled: true }],
    },
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

describe('lucid pending, approve and deny', () => {
  let harness: SessionHarness;
  let env: Record<string, string>;
  let workDir: string;
  const lucid = (...args: string[]) => runLucid(args, env, workDir);

  beforeAll(async () => {
    harness = await startSessionHarness({
      rules: [
        {
          match: { last_user_text: 'two notes' },
          reply: {
            content: [
              { type: 'tool_use', name: 'write', input: { file_path: '/workspace/yes.txt', content: 'y' } },
              { type: 'tool_use', name: 'write', input: { file_path: '/workspace/no.txt', content: 'n' } },
              { type: 'tool_use', name: 'lookup_ticket', input: { id: 'T-1' } },
            ],
          },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Done.' }] } },
      ],
    });
    workDir = tempDir('lucid-cli-confirm-');
    env = {
      TEMPORAL_ADDRESS: harness.temporal.address,
      LUCID_TASK_QUEUE: harness.taskQueue,
      LUCID_DATA_DIR: harness.dataDir,
    };
  });
  afterAll(async () => harness?.close());

  it('lists the waiting calls, approves one, denies one with a message, and refuses a second answer', async () => {
    const sessionId = await harness.lucid.startSession({ agent, message: 'two notes', keep_alive_seconds: 30 });
    const waiting = await waitFor(
      () => harness.lucid.snapshot(sessionId),
      (snapshot) => snapshot?.stop_reason?.type === 'requires_action',
    );
    const stop = waiting?.stop_reason;
    if (stop?.type !== 'requires_action') throw new Error(`no requires_action: ${JSON.stringify(stop)}`);
    const [yes, no, ticket] = stop.event_ids;

    const pending = await lucid('pending', sessionId);
    expectExit(pending, 0);
    expect(pending.stdout).toBe(
      [
        `${yes}  approve|deny  write file_path="/workspace/yes.txt" content="y"`,
        `${no}  approve|deny  write file_path="/workspace/no.txt" content="n"`,
        `${ticket}  tool-result  lookup_ticket id="T-1"`,
        '',
      ].join('\n'),
    );

    expectExit(await lucid('approve', sessionId, yes), 0);
    const denied = await lucid('deny', sessionId, no, '--message', 'one is enough');
    expectExit(denied, 0);
    expect(denied.stdout).toBe(`denied ${no} of ${sessionId}\n`);
    const again = await lucid('approve', sessionId, no);
    expectExit(again, 1);
    expect(again.stderr).toContain(`${no} has been answered already; nothing was changed`);
    const left = await lucid('pending', sessionId, '--json');
    expect(JSON.parse(left.stdout)).toEqual([
      { event_id: ticket, kind: 'custom_tool_result', name: 'lookup_ticket', input: { id: 'T-1' } },
    ]);

    expectExit(await lucid('tool-result', sessionId, ticket, '--content', 'open'), 0);
    await waitFor(
      () => harness.lucid.snapshot(sessionId),
      (snapshot) => snapshot?.final_message === 'Done.',
    );
    const workspace = workspaceOf(harness, sessionId);
    expect(fs.existsSync(path.join(workspace, 'yes.txt'))).toBe(true);
    expect(fs.existsSync(path.join(workspace, 'no.txt'))).toBe(false);
    const events = await lucid('events', sessionId);
    expect(events.stdout).toContain(`(asks: lucid approve|deny <session> ${yes})`);
    expect(events.stdout).toContain(`✓ approved ${yes} (by cli)`);
    expect(events.stdout).toContain(`✗ denied ${no} (by cli): one is enough`);
    expect(events.stdout).toContain('the user denied the write call: one is enough');
    expect((await lucid('pending', sessionId)).stdout).toBe(`no call of ${sessionId} waits for an answer\n`);
  });
});
