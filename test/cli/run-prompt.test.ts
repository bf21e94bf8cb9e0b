/**
 * `lucid run` and the calls a session waits on (the real CLI as a subprocess, a real worker and the scripted
 * model): on a pseudo-terminal it asks about each call, and the answers typed there reach the session as the
 * `approve|deny|tool-result` commands send them (decided by "cli"); Ctrl-D at the prompt leaves the calls pending
 * for another terminal to answer, and so does Ctrl-C, which stops `run`; without a terminal it lists the calls with the commands that answer them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import type { Scenario } from '../../src/scripted-model/scenario';
import { expectExit, runLucid, waitFor } from '../helpers/cli';
import { startSessionHarness, workspaceOf, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';
import { runLucidInTerminal } from '../helpers/terminal';

const agent: AgentDefinition = {
  name: 'cli-prompted',
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

/** Two writes that ask and a custom tool call in one turn, then the end of the turn. */
const TWO_NOTES_AND_A_TICKET: Scenario = {
  rules: [
    {
      match: { last_user_text: 'two notes' },
      times: 1,
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
};

const CONFIRMATION_QUESTION = 'allow, deny [message] or skip? [a/d/s] ';
const RESULT_QUESTION = 'result for lookup_ticket (one line; empty to skip): ';

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe('lucid run and the calls a session waits on', () => {
  let harness: SessionHarness;
  let env: Record<string, string>;
  let workDir: string;
  let counter = 0;
  const lucid = (...args: string[]) => runLucid(args, env, workDir);
  const newSessionId = () => `cli-prompt-${process.pid}-${++counter}`;

  beforeAll(async () => {
    harness = await startSessionHarness(TWO_NOTES_AND_A_TICKET);
    workDir = tempDir('lucid-cli-prompt-');
    fs.writeFileSync(path.join(workDir, 'agent.json'), JSON.stringify(agent));
    env = {
      TEMPORAL_ADDRESS: harness.temporal.address,
      LUCID_TASK_QUEUE: harness.taskQueue,
      LUCID_DATA_DIR: harness.dataDir,
    };
  });
  afterAll(async () => harness?.close());
  // Each test's session makes the three calls afresh.
  beforeEach(() => harness.model.setScenario(TWO_NOTES_AND_A_TICKET));

  /** The session's two confirmations and its custom tool call, in the order the model made them. */
  async function waitingCalls(sessionId: string): Promise<[string, string, string]> {
    const calls = await waitFor(
      () => harness.lucid.pendingCalls(sessionId),
      (pending) => pending.length === 3,
    );
    return calls.map((call) => call.event_id) as [string, string, string];
  }

  it('on a terminal, asks about each call and sends what is typed: allow, deny with a message, a result', async () => {
    const sessionId = newSessionId();
    const before = harness.model.requests.length;
    const terminal = runLucidInTerminal(['run', 'agent.json', 'two notes', '--id', sessionId], env, workDir);

    await terminal.waitForOutput((shown) => count(shown, CONFIRMATION_QUESTION) === 1);
    terminal.typeLine('perhaps'); // not an answer: asked again
    await terminal.waitForOutput((shown) => count(shown, CONFIRMATION_QUESTION) === 2);
    terminal.typeLine('a');
    await terminal.waitForOutput((shown) => count(shown, CONFIRMATION_QUESTION) === 3);
    terminal.typeLine('deny one is enough');
    await terminal.waitForOutput((shown) => shown.includes(RESULT_QUESTION));
    terminal.typeLine('T-1 is open');

    expect(await terminal.exited).toBe(0);
    const shown = terminal.output();
    const [yes, no, ticket] = shownCallIds(shown);
    expect(shown).toContain(`[1/3] write (${yes}) asks for your confirmation (always_ask)\n`);
    expect(shown).toContain('    "file_path": "/workspace/yes.txt",\n');
    expect(shown).toContain(`[3/3] lookup_ticket (${ticket}) is a custom tool: its result is yours to give\n`);
    expect(shown).toContain('please answer a (allow), d (deny)');
    expect(shown).toContain('final message:');

    const events = await harness.store.readEvents(sessionId);
    expect(confirmations(events)).toEqual([
      { tool_use_id: yes, result: 'allow', decided_by: 'cli' },
      { tool_use_id: no, result: 'deny', deny_message: 'one is enough', decided_by: 'cli' },
    ]);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'user.custom_tool_result',
        custom_tool_use_id: ticket,
        content: [{ type: 'text', text: 'T-1 is open' }],
      }),
    );
    // The model read the three answers in its next request.
    const next = JSON.stringify(harness.model.requests.slice(before)[1].body.messages);
    expect(next).toContain('T-1 is open');
    expect(next).toContain('the user denied the write call: one is enough');
    const workspace = workspaceOf(harness, sessionId);
    expect(fs.existsSync(path.join(workspace, 'yes.txt'))).toBe(true);
    expect(fs.existsSync(path.join(workspace, 'no.txt'))).toBe(false);
  });

  it('leaves the calls pending at Ctrl-D, says so, and follows the session while another terminal answers', async () => {
    const sessionId = newSessionId();
    const terminal = runLucidInTerminal(['run', 'agent.json', 'two notes', '--id', sessionId], env, workDir);

    await terminal.waitForOutput((shown) => count(shown, CONFIRMATION_QUESTION) === 1);
    terminal.typeEndOfInput();
    const shown = await terminal.waitForOutput((output) => output.includes('input ended; left pending:'));
    const [yes, no, ticket] = await waitingCalls(sessionId);
    await terminal.waitForOutput((output) => output.includes(`lucid tool-result ${sessionId} ${ticket} --content`));
    expect(shown).toContain(`  ${yes}  write file_path="/workspace/yes.txt" content="y"  ·  lucid approve|deny`);

    expectExit(await lucid('approve', sessionId, yes), 0);
    expectExit(await lucid('deny', sessionId, no), 0);
    expectExit(await lucid('tool-result', sessionId, ticket, '--content', 'closed'), 0);
    expect(await terminal.exited).toBe(0);
    expect(terminal.output()).toContain('final message:');
    expect(count(terminal.output(), CONFIRMATION_QUESTION)).toBe(1); // never asked again once the input ended
  });

  it('stops at Ctrl-C during the prompt, leaving the calls pending and saying so', async () => {
    const sessionId = newSessionId();
    const terminal = runLucidInTerminal(['run', 'agent.json', 'two notes', '--id', sessionId], env, workDir);
    await terminal.waitForOutput((shown) => count(shown, CONFIRMATION_QUESTION) === 1);
    terminal.typeInterrupt();

    expect(await terminal.exited).toBe(130);
    expect(terminal.output()).toContain(`the calls are left pending; list them with lucid pending ${sessionId}\n`);
    expect(await waitingCalls(sessionId)).toHaveLength(3);
    await harness.temporal.client.workflow.getHandle(sessionId).terminate('test done');
  });

  it('without a terminal, lists the waiting calls with the commands that answer them', async () => {
    const sessionId = newSessionId();
    // Kept alive, `run` returns at the idle; by then it has printed what waits.
    const run = await lucid('run', 'agent.json', 'two notes', '--id', sessionId, '--keep-alive', '30');
    expectExit(run, 1);
    const [yes, no, ticket] = await waitingCalls(sessionId);
    expect(run.stdout).toContain(
      [
        'waiting for your answer:',
        `  ${yes}  write file_path="/workspace/yes.txt" content="y"  ·  lucid approve|deny ${sessionId} ${yes}`,
        `  ${no}  write file_path="/workspace/no.txt" content="n"  ·  lucid approve|deny ${sessionId} ${no}`,
        `  ${ticket}  lookup_ticket id="T-1"  ·  lucid tool-result ${sessionId} ${ticket} --content "..."`,
      ].join('\n'),
    );
    expect(run.stdout).toContain(`the session waits for answers to its calls: lucid pending ${sessionId}`);
    expect(run.stdout).not.toContain(CONFIRMATION_QUESTION);
    await harness.temporal.client.workflow.getHandle(sessionId).terminate('test done');
  });
});

/** The event ids in the prompt's headings (`[1/3] write (sevt_…) …`), in the order asked. */
function shownCallIds(shown: string): string[] {
  return [...shown.matchAll(/^\[\d\/3\] \S+ \((sevt_[^)\s]+)\)/gm)].map((match) => match[1]);
}

function confirmations(events: SessionEvent[]) {
  return events.flatMap((event) => {
    if (event.type !== 'user.tool_confirmation') return [];
    const { tool_use_id, result, deny_message, decided_by } = event;
    return [{ tool_use_id, result, ...(deny_message ? { deny_message } : {}), decided_by }];
  });
}
