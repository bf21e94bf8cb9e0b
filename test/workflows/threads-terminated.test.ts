/**
 * A thread whose child workflow is closed from outside (here `terminate`, as `temporal workflow terminate` does)
 * never reports. The lead waiting on it must get a tool error and go on, also after the lead continued-as-new,
 * when no child-result promise is left to tell it.
 */
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import type { Rule } from '../../src/scripted-model/scenario';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { tempDir, workflowBundle } from '../helpers/temporal';

const researcher: AgentDefinition = {
  name: 'researcher',
  model: 'research-model',
  system: 'RESEARCHER-SYSTEM',
  tools: ['read_file'],
  max_turns: 3,
  max_tokens: 256,
};
const lead: AgentDefinition = {
  name: 'lead',
  model: 'lead-model',
  system: 'LEAD-SYSTEM',
  tools: ['read_file'],
  max_turns: 6,
  max_tokens: 512,
  subagents: [researcher],
};

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
const delegate = (task: string, thread?: string) => ({
  type: 'tool_use' as const,
  name: 'delegate',
  input: thread ? { agent: 'researcher', task, thread } : { agent: 'researcher', task },
});
/** The researcher never answers this task in time: its model request outlasts the test. */
const stuck = (task: string): Rule => ({
  match: { system: 'RESEARCHER-SYSTEM', last_user_text: task },
  delay_ms: 90_000,
  reply: text('too late'),
});
const afterTheError: Rule = {
  match: { system: 'LEAD-SYSTEM', last_tool_result: 'ended before finishing' },
  times: 1,
  reply: text('Handled the terminated thread.'),
};

/** Reads of this file fill the lead's history well past its continue-as-new threshold (2 MiB) in one turn. */
const BULK_READS = 120;
const BULK_LINE = 'bulk line of the report data\n';

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('a thread terminated from outside', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
  });
  afterAll(async () => harness?.close());

  /** Waits until the researcher is working on `task`, then terminates its workflow as an operator would. */
  async function terminateThreadWorking(leadId: string, task: string): Promise<string> {
    await eventually(
      async () =>
        harness.model.requests.some(
          (request) =>
            JSON.stringify(request.body.system ?? '').includes('RESEARCHER') &&
            JSON.stringify(request.body.messages).includes(task),
        ) || undefined,
      `the researcher to start "${task}"`,
    );
    const childId = await eventually(async () => {
      for await (const child of harness.temporal.client.workflow.list({
        query: `LucidParentSession = "${leadId}" AND ExecutionStatus = "Running"`,
      }))
        return child.workflowId;
      return undefined;
    }, 'the running thread to be visible');
    await harness.temporal.client.workflow.getHandle(childId).terminate('terminated from outside by the test');
    return childId;
  }

  async function leadOutcome(sessionId: string) {
    const snapshot = await harness.lucid.result(sessionId);
    const events = await harness.store.readEvents(sessionId);
    const results = events.filter(
      (event): event is Extract<SessionEvent, { type: 'agent.tool_result' }> => event.type === 'agent.tool_result',
    );
    return { snapshot, events, results };
  }

  it('gives the waiting lead a tool error, and the lead finishes', async () => {
    harness.model.setScenario({
      rules: [
        stuck('stuck task'),
        afterTheError,
        { match: { system: 'LEAD-SYSTEM' }, times: 1, reply: { content: [delegate('stuck task')] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent: lead, message: 'Delegate and wait' });
    await terminateThreadWorking(sessionId, 'stuck task');

    const { snapshot, events, results } = await leadOutcome(sessionId);
    expect(snapshot.final_message).toBe('Handled the terminated thread.');
    expect(results).toHaveLength(1);
    expect(results[0].is_error).toBe(true);
    expect(results[0].content[0].text).toMatch(
      /^Thread sthr_\w+ \(researcher\) ended before finishing: its workflow was terminated\./,
    );
    expect(snapshot.threads).toEqual([expect.objectContaining({ agent_name: 'researcher', status: 'terminated' })]);
    expect(events.filter((event) => event.type === 'session.thread_status_terminated')).toHaveLength(1);
  });

  it('gives the lead a tool error after the lead continued-as-new, and its new run replays', async () => {
    const workspace = tempDir('lucid-terminated-');
    fs.writeFileSync(path.join(workspace, 'bulk.txt'), BULK_LINE.repeat(Math.floor(31_000 / BULK_LINE.length)));
    const bulkRead = { type: 'tool_use' as const, name: 'read_file', input: { path: 'bulk.txt' } };
    harness.model.setScenario({
      rules: [
        { match: { system: 'RESEARCHER-SYSTEM', last_user_text: 'first task' }, reply: text('first part done') },
        stuck('second task'),
        afterTheError,
        {
          match: { system: 'LEAD-SYSTEM', last_tool_result: 'first part done' },
          times: 1,
          reply: { content: Array.from({ length: BULK_READS }, () => bulkRead) },
        },
        {
          match: { system: 'LEAD-SYSTEM', last_tool_result: 'bulk line' },
          times: 1,
          reply: { content: [delegate('second task', '{{capture:sthr_[A-Za-z0-9]+}}')] },
        },
        { match: { system: 'LEAD-SYSTEM' }, times: 1, reply: { content: [delegate('first task')] } },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent: lead, message: 'Two parts', workspace });
    await terminateThreadWorking(sessionId, 'second task');
    // The follow-up was sent from a run that did not start the thread: the latest run continued an earlier one.
    // (Read from history, not a visibility count, which may lag behind a continue-as-new.)
    const latest = await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory();
    expect(latest.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId).toBeTruthy();

    const { snapshot, results } = await leadOutcome(sessionId);
    expect(snapshot.final_message).toBe('Handled the terminated thread.');
    expect(results[0]).toEqual(expect.objectContaining({ is_error: false }));
    expect(results[0].content[0].text).toContain('first part done');
    const followUp = results[results.length - 1];
    expect(followUp.is_error).toBe(true);
    expect(followUp.content[0].text).toMatch(/ended before finishing: its workflow was terminated\./);
    expect(snapshot.threads).toEqual([expect.objectContaining({ status: 'terminated' })]);

    // The closure watch is deterministic: the lead's last run replays against today's code.
    const history = await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory();
    await expect(
      Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, sessionId),
    ).resolves.toBeUndefined();
  });
});
