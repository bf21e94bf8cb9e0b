/**
 * The auto permission policy against the real dev server and a real worker, the scripted model playing both the
 * agent and the judge (recognised by the judge's system prompt): an allowed call runs, a denied one is a tool
 * error with the judge's reason and never runs, and a judge that answers ask, fails or answers unparseably makes
 * the call ask a human. Each verdict is on the tool use event.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { DEFAULT_JUDGE_MODEL } from '../../src/domain/permission-judge';
import { lastUserText, systemText } from '../../src/scripted-model/server';
import {
  expectSessionReplays,
  startSessionHarness,
  waitForEvents,
  waitForFinalMessage,
  workspaceOf,
  type SessionHarness,
} from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

const agent: AgentDefinition = {
  name: 'judged-writer',
  model: 'scripted-small',
  system: 'You write notes.',
  description: 'Writes meeting notes into the workspace.',
  tools: [
    {
      type: 'agent_toolset_20260401',
      default_config: { enabled: false, permission_policy: { type: 'auto' } },
      configs: [{ name: 'write', enabled: true }],
    },
  ],
  max_turns: 10,
  max_tokens: 256,
};

const JUDGE = 'permission judge';
const write = (id: string, file: string) => ({
  type: 'tool_use' as const,
  id,
  name: 'write',
  input: { file_path: `/workspace/${file}`, content: 'hello' },
});
const judgeSays = (file: string, text: string) => ({
  match: { system: JUDGE, last_user_text: file },
  reply: { content: [{ type: 'text' as const, text }] },
});

describe('the auto permission policy', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
  });
  afterAll(async () => harness?.close());

  const events = (sessionId: string) => harness.lucid.readEvents(sessionId);
  const exists = (sessionId: string, file: string) => fs.existsSync(path.join(workspaceOf(harness, sessionId), file));

  const useEvents = (sessionId: string, count: number) =>
    waitForEvents(harness.lucid, sessionId, 'agent.tool_use', count);

  const finalMessage = (sessionId: string, text: string) => waitForFinalMessage(harness, sessionId, text);
  const expectReplays = (sessionId: string) => expectSessionReplays(harness, sessionId);

  it('runs a call the judge allows and refuses one it denies, with the reasons in the log', async () => {
    harness.model.setScenario({
      rules: [
        judgeSays('notes.txt', '{"verdict": "allow", "reason": "writing notes is the agent\'s job"}'),
        judgeSays('passwd', '{"verdict": "deny", "reason": "overwrites a system file"}'),
        {
          match: { last_user_text: 'two writes' },
          reply: { content: [write('toolu_ok', 'notes.txt'), write('toolu_no', 'etc/passwd')] },
        },
        { match: { last_tool_result: 'overwrites a system file' }, reply: { content: [{ type: 'text', text: 'ok' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'two writes' });
    await finalMessage(sessionId, 'ok');
    const [allowed, denied] = await useEvents(sessionId, 2);
    expect(allowed).toMatchObject({
      evaluated_permission: 'allow',
      evaluation: {
        type: 'auto',
        evaluated_permission: { type: 'allow' },
        reason: "writing notes is the agent's job",
        model: DEFAULT_JUDGE_MODEL,
      },
    });
    expect(denied).toMatchObject({
      evaluated_permission: 'deny',
      evaluation: { type: 'auto', evaluated_permission: { type: 'deny', reason_code: 'high_risk' } },
    });
    const results = (await events(sessionId)).filter((event) => event.type === 'agent.tool_result');
    expect(results.find((result) => result.tool_use_id === 'toolu_no')).toMatchObject({
      is_error: true,
      content: [{ type: 'text', text: 'the permission judge denied the write call: overwrites a system file' }],
    });
    expect(exists(sessionId, 'notes.txt')).toBe(true);
    expect(exists(sessionId, 'etc/passwd')).toBe(false);

    // The judge saw the call and the agent's description, in its own context: not the agent's prompt or messages.
    const judged = harness.model.requests.filter((request) => systemText(request.body).includes(JUDGE));
    expect(judged).toHaveLength(2);
    for (const request of judged) {
      const text = lastUserText(request.body);
      expect(text).toContain('judged-writer: Writes meeting notes into the workspace.');
      expect(text).not.toContain('two writes');
      expect(systemText(request.body)).not.toContain('You write notes.');
    }
    await expectReplays(sessionId);
  });

  it('asks a human when the judge says ask, fails or answers without a verdict, and never runs the call unasked', async () => {
    harness.model.setScenario({
      rules: [
        { match: { system: JUDGE, last_user_text: 'failed.txt' }, reply: { error: { status: 400, message: 'nope' } } },
        judgeSays('vague.txt', 'It depends.'),
        judgeSays('unsure.txt', '{"verdict": "ask", "reason": "cannot tell whose notes these are"}'),
        {
          match: { last_user_text: 'judge trouble' },
          reply: {
            content: [write('toolu_f', 'failed.txt'), write('toolu_u', 'unsure.txt'), write('toolu_v', 'vague.txt')],
          },
        },
        { match: { last_tool_result: 'user denied' }, reply: { content: [{ type: 'text', text: 'done' }] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'judge trouble', keep_alive_seconds: 30 });
    const [failed, unsure, vague] = await useEvents(sessionId, 3); // the denied one last: its result ends the turn
    expect(failed).toMatchObject({
      evaluated_permission: 'ask',
      evaluation: {
        type: 'auto',
        evaluated_permission: { type: 'ask', reason_code: 'indeterminate' },
        reason: expect.stringContaining('the permission judge failed'),
      },
    });
    expect(vague).toMatchObject({
      evaluated_permission: 'ask',
      evaluation: { type: 'auto', reason: 'the permission judge gave no verdict it could read' },
    });
    expect(unsure).toMatchObject({
      evaluated_permission: 'ask',
      evaluation: {
        type: 'auto',
        evaluated_permission: { type: 'ask', reason_code: 'indeterminate' },
        reason: 'cannot tell whose notes these are',
        model: DEFAULT_JUDGE_MODEL,
      },
    });
    await waitFor(
      async () => (await harness.lucid.snapshot(sessionId))?.stop_reason?.type === 'requires_action',
      'asks',
    );
    expect(exists(sessionId, 'failed.txt')).toBe(false);
    expect(exists(sessionId, 'vague.txt')).toBe(false);
    expect(exists(sessionId, 'unsure.txt')).toBe(false);

    await harness.lucid.confirmToolUse(sessionId, { tool_use_id: failed.id, result: 'allow', decided_by: 'cli' });
    await harness.lucid.confirmToolUse(sessionId, { tool_use_id: vague.id, result: 'deny', decided_by: 'cli' });
    await harness.lucid.confirmToolUse(sessionId, { tool_use_id: unsure.id, result: 'allow', decided_by: 'cli' });
    await finalMessage(sessionId, 'done');
    expect(exists(sessionId, 'failed.txt')).toBe(true);
    expect(exists(sessionId, 'vague.txt')).toBe(false);
    expect(exists(sessionId, 'unsure.txt')).toBe(true);
    await expectReplays(sessionId);
  });
});
