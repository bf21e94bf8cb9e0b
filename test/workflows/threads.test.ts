/**
 * Multiagent orchestration end to end: a lead delegates to roster sub-agents, each a child agentSession workflow
 * (a thread) on the lead's workspace. The scripted model tells the agents apart by their system prompts.
 */
import { WorkflowFailedError } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import { SUBAGENT_NOTE, threadSessionId } from '../../src/domain/threads';
import type { Rule } from '../../src/scripted-model/scenario';
import type { RecordedRequest } from '../../src/scripted-model/server';
import { expectWellFormedLog, startSessionHarness, workspaceOf, type SessionHarness } from '../helpers/session';

const researcher: AgentDefinition = {
  name: 'researcher',
  description: 'Finds facts and writes them to a file',
  model: 'research-model',
  system: 'RESEARCHER-SYSTEM',
  tools: ['read_file', 'write_file'],
  max_turns: 5,
  max_tokens: 256,
};
const writer: AgentDefinition = {
  name: 'writer',
  description: 'Writes prose',
  model: 'writer-model',
  system: 'WRITER-SYSTEM',
  tools: ['write_file'],
  max_turns: 5,
  max_tokens: 256,
};
const lead = (extra: Partial<AgentDefinition> = {}): AgentDefinition => ({
  name: 'lead',
  model: 'lead-model',
  system: 'LEAD-SYSTEM',
  tools: ['read_file'],
  max_turns: 6,
  max_tokens: 512,
  subagents: [researcher, writer],
  ...extra,
});

const delegate = (agent: string, task: string, thread?: string) => ({
  type: 'tool_use' as const,
  name: 'delegate',
  input: thread ? { agent, task, thread } : { agent, task },
});
const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

/** A sub-agent that writes `<topic>.md` (slowly, so parallel threads overlap) and then reports briefly. */
function subAgentRules(system: string, topic: string, summary: string): Rule[] {
  return [
    {
      match: { system, last_user_text: topic },
      times: 1,
      delay_ms: 800,
      reply: {
        content: [
          { type: 'tool_use', name: 'write_file', input: { path: `${topic}.md`, content: `notes on ${topic}\n` } },
        ],
      },
    },
    { match: { system, request: topic }, reply: text(summary) },
  ];
}

const systemOf = (request: RecordedRequest) => JSON.stringify(request.body.system ?? '');
const ofType = <T extends SessionEvent['type']>(events: SessionEvent[], type: T) =>
  events.filter((event): event is Extract<SessionEvent, { type: T }> => event.type === type);

async function runningChildren(harness: SessionHarness, leadId: string): Promise<number> {
  return (
    await harness.temporal.client.workflow.count(`LucidParentSession = "${leadId}" AND ExecutionStatus = "Running"`)
  ).count;
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('multiagent threads', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
  });
  afterAll(async () => harness?.close());

  async function run(rules: Rule[], agent: AgentDefinition, message: string) {
    harness.model.setScenario({ rules });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession({ agent, message });
    const snapshot = await harness.lucid.result(sessionId);
    const events = await harness.store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    return { sessionId, snapshot, events, requests: harness.model.requests.slice(before) };
  }

  it('runs three delegations from one turn in parallel, each with its own model, prompt and tools', async () => {
    const rules: Rule[] = [
      ...subAgentRules('RESEARCHER-SYSTEM', 'alpha', 'alpha facts are in alpha.md'),
      ...subAgentRules('RESEARCHER-SYSTEM', 'beta', 'beta facts are in beta.md'),
      ...subAgentRules('WRITER-SYSTEM', 'intro', 'intro drafted in intro.md'),
      {
        match: { system: 'LEAD-SYSTEM' },
        times: 1,
        reply: {
          content: [
            delegate('researcher', 'research alpha'),
            delegate('researcher', 'research beta'),
            delegate('writer', 'write the intro'),
          ],
        },
      },
      { match: { system: 'LEAD-SYSTEM' }, reply: text('Report assembled.') },
    ];
    const { sessionId, snapshot, events, requests } = await run(rules, lead(), 'Build the report');

    expect(snapshot.final_message).toBe('Report assembled.');
    const workspace = workspaceOf(harness, sessionId);
    for (const topic of ['alpha', 'beta', 'intro'])
      expect(fs.readFileSync(path.join(workspace, `${topic}.md`), 'utf8')).toBe(`notes on ${topic}\n`);

    // Concurrency: all three threads' first requests arrived before any of them was answered.
    const firstRequests = ['alpha', 'beta', 'intro'].map((topic) =>
      requests.find(
        (request) => JSON.stringify(request.body.messages).includes(topic) && !systemOf(request).includes('LEAD'),
      )!,
    );
    expect(Math.max(...firstRequests.map((request) => request.received_at))).toBeLessThan(
      Math.min(...firstRequests.map((request) => request.answered_at!)),
    );

    // The lead's next request carries the three short results.
    const leadRequests = requests.filter((request) => systemOf(request).includes('LEAD-SYSTEM'));
    const second = JSON.stringify(leadRequests[1].body.messages);
    for (const result of ['alpha facts are in alpha.md', 'beta facts are in beta.md', 'intro drafted in intro.md'])
      expect(second).toContain(result);
    expect(leadRequests[0].body.tools.map((tool: { name: string }) => tool.name)).toEqual(['read_file', 'delegate']);

    // Each thread talks to its own model with its own system prompt and tools, and cannot delegate.
    for (const request of requests.filter((request) => systemOf(request).includes('RESEARCHER-SYSTEM'))) {
      expect(request.body.model).toBe('research-model');
      expect(systemOf(request)).toContain(SUBAGENT_NOTE.slice(0, 40));
      expect(request.body.tools.map((tool: { name: string }) => tool.name)).toEqual(['read_file', 'write_file']);
    }
    for (const request of requests.filter((request) => systemOf(request).includes('WRITER-SYSTEM'))) {
      expect(request.body.model).toBe('writer-model');
      expect(request.body.tools.map((tool: { name: string }) => tool.name)).toEqual(['write_file']);
    }

    // The lead's log tells the whole story; each thread keeps its own, tagged with its id.
    const created = ofType(events, 'session.thread_created');
    expect(created.map((event) => event.agent_name).sort()).toEqual(['researcher', 'researcher', 'writer']);
    expect(ofType(events, 'agent.thread_message_sent')).toHaveLength(3);
    expect(ofType(events, 'agent.thread_message_received')).toHaveLength(3);
    expect(ofType(events, 'session.thread_status_idle')).toHaveLength(3);
    expect(ofType(events, 'session.thread_status_terminated')).toHaveLength(3);
    const alphaThread = created.find((event) => {
      const sent = ofType(events, 'agent.thread_message_sent').find(
        (message) => message.to_session_thread_id === event.session_thread_id,
      );
      return sent?.content[0].text === 'research alpha';
    })!;
    const threadEvents = await harness.store.readEvents(threadSessionId(sessionId, alphaThread.session_thread_id));
    expect(threadEvents.every((event) => event.session_thread_id === alphaThread.session_thread_id)).toBe(true);
    expect(ofType(threadEvents, 'agent.tool_use')[0].input).toEqual({ path: 'alpha.md', content: 'notes on alpha\n' });

    // Usage per thread, summed for the session; nothing is left running.
    expect(snapshot.threads).toHaveLength(3);
    expect(snapshot.threads.every((thread) => thread.status === 'terminated' && thread.usage.output_tokens > 0)).toBe(
      true,
    );
    const threadOutput = snapshot.threads.reduce((sum, thread) => sum + thread.usage.output_tokens, 0);
    expect(snapshot.usage.output_tokens).toBeGreaterThan(threadOutput);
    await eventually(async () => (await runningChildren(harness, sessionId)) === 0, 'threads to close');
  });

  it('sends a follow-up to an existing thread, which remembers its earlier turns', async () => {
    const rules: Rule[] = [
      {
        match: { system: 'RESEARCHER-SYSTEM', last_user_text: 'now gamma' },
        times: 1,
        reply: text('gamma added after alpha'),
      },
      ...subAgentRules('RESEARCHER-SYSTEM', 'alpha', 'alpha done'),
      {
        match: { system: 'LEAD-SYSTEM', last_tool_result: 'alpha done' },
        times: 1,
        reply: { content: [delegate('researcher', 'now gamma', '{{capture:sthr_[A-Za-z0-9]+}}')] },
      },
      { match: { system: 'LEAD-SYSTEM', last_tool_result: 'gamma added' }, times: 1, reply: text('Both parts done.') },
      { match: { system: 'LEAD-SYSTEM' }, times: 1, reply: { content: [delegate('researcher', 'research alpha')] } },
    ];
    const { snapshot, events, requests } = await run(rules, lead(), 'Two steps');

    expect(snapshot.final_message).toBe('Both parts done.');
    expect(ofType(events, 'session.thread_created')).toHaveLength(1);
    const followUp = requests.find(
      (request) =>
        systemOf(request).includes('RESEARCHER') && JSON.stringify(request.body.messages).includes('now gamma'),
    )!;
    const transcript = JSON.stringify(followUp.body.messages);
    expect(transcript).toContain('research alpha');
    expect(transcript).toContain('alpha done');
    expect(snapshot.threads).toEqual([expect.objectContaining({ agent_name: 'researcher', status: 'terminated' })]);
  });

  it('turns every limit into a tool error the lead sees, and keeps the lead running', async () => {
    const slowResearch: Rule = { match: { system: 'RESEARCHER-SYSTEM' }, delay_ms: 300, reply: text('researched') };
    const rules: Rule[] = [
      slowResearch,
      {
        match: { system: 'WRITER-SYSTEM' },
        reply: { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'loop.md', content: 'x' } }] },
      },
      {
        match: { system: 'LEAD-SYSTEM' },
        times: 1,
        reply: {
          content: [
            delegate('researcher', 'one'),
            delegate('researcher', 'two'),
            delegate('nobody', 'three'),
            { type: 'tool_use', name: 'delegate', input: { agent: 'writer' } },
          ],
        },
      },
      { match: { system: 'LEAD-SYSTEM' }, times: 1, reply: { content: [delegate('researcher', 'four')] } },
      { match: { system: 'LEAD-SYSTEM' }, times: 1, reply: { content: [delegate('researcher', 'five')] } },
      { match: { system: 'LEAD-SYSTEM' }, reply: text('Coped with the limits.') },
    ];
    const limited = lead({ thread_limits: { max_concurrent: 1, max_total: 2, max_depth: 1 } });
    const { snapshot, events } = await run(rules, limited, 'Push the limits');

    expect(snapshot.final_message).toBe('Coped with the limits.');
    const results = ofType(events, 'agent.tool_result').map((event) => ({
      error: event.is_error,
      text: event.content[0].text,
    }));
    expect(results[0]).toEqual({ error: false, text: expect.stringContaining('researched') });
    expect(results[1]).toEqual({
      error: true,
      text: expect.stringMatching(/Concurrency limit reached: at most 1 threads/),
    });
    expect(results[2]).toEqual({ error: true, text: expect.stringMatching(/No agent "nobody" in the roster/) });
    expect(results[3]).toEqual({ error: true, text: expect.stringMatching(/Invalid input for delegate: task/) });
    expect(results[4]).toEqual({ error: false, text: expect.stringContaining('researched') });
    expect(results[5]).toEqual({
      error: true,
      text: expect.stringMatching(/Thread limit reached: this session may start at most 2 threads/),
    });
  });

  it('reports a thread that hits its turn limit or fails as a tool error', async () => {
    const rules: Rule[] = [
      {
        match: { system: 'WRITER-SYSTEM' },
        reply: { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'loop.md', content: 'x' } }] },
      },
      { match: { system: 'RESEARCHER-SYSTEM' }, reply: { error: { status: 400, message: 'bad research request' } } },
      {
        match: { system: 'LEAD-SYSTEM' },
        times: 1,
        reply: { content: [delegate('writer', 'loop forever'), delegate('researcher', 'fail please')] },
      },
      { match: { system: 'LEAD-SYSTEM' }, reply: text('Noted the failures.') },
    ];
    const { snapshot, events } = await run(
      rules,
      lead({ subagents: [{ ...writer, max_turns: 2 }, researcher] }),
      'Try',
    );
    expect(snapshot.final_message).toBe('Noted the failures.');
    const results = ofType(events, 'agent.tool_result').map((event) => ({
      error: event.is_error,
      text: event.content[0].text,
    }));
    expect(results[0]).toEqual({ error: true, text: expect.stringMatching(/stopped: it reached its turn limit/) });
    expect(results[1]).toEqual({ error: true, text: expect.stringMatching(/ended before finishing/) });
  });

  it('refuses a roster agent with its own roster unless the depth limit allows it', async () => {
    const nested = lead({ subagents: [{ ...researcher, subagents: [writer] }] });
    const sessionId = await harness.lucid.startSession({ agent: nested, message: 'x' });
    const error = await harness.lucid.result(sessionId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause?.message).toMatch(
      /roster agent "researcher" has sub-agents of its own, but thread_limits.max_depth is 1/,
    );
  });

  it('stops running threads when the lead is interrupted, and leaves none running when it ends', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { system: 'RESEARCHER-SYSTEM' },
          delay_ms: 400,
          reply: { content: [{ type: 'tool_use', name: 'write_file', input: { path: 'busy.md', content: 'x' } }] },
        },
        {
          match: { system: 'LEAD-SYSTEM' },
          reply: { content: [delegate('researcher', 'busy one'), delegate('researcher', 'busy two')] },
        },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent: lead(), message: 'Start and get interrupted' });
    await eventually(async () => (await runningChildren(harness, sessionId)) === 2, 'two running threads');
    await harness.lucid.interrupt(sessionId);
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    for (const thread of snapshot.threads) {
      const threadEvents = await harness.store.readEvents(thread.session_id);
      expect(threadEvents.some((event) => event.type === 'user.interrupt')).toBe(true);
    }
    await eventually(async () => (await runningChildren(harness, sessionId)) === 0, 'no running threads');
  });

  it('cancels running threads when the lead is cancelled, leaving no orphan workflows', async () => {
    harness.model.setScenario({
      rules: [
        { match: { system: 'RESEARCHER-SYSTEM' }, delay_ms: 60_000, reply: text('too late') },
        {
          match: { system: 'LEAD-SYSTEM' },
          reply: { content: [delegate('researcher', 'slow one'), delegate('researcher', 'slow two')] },
        },
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent: lead(), message: 'Start and get cancelled' });
    await eventually(async () => (await runningChildren(harness, sessionId)) === 2, 'two running threads');
    await harness.temporal.client.workflow.getHandle(sessionId).cancel();
    await expect(harness.lucid.result(sessionId)).rejects.toThrow(WorkflowFailedError);
    await eventually(async () => (await runningChildren(harness, sessionId)) === 0, 'no running threads');
    const events = await harness.store.readEvents(sessionId);
    expect(ofType(events, 'session.thread_status_terminated')).toHaveLength(2);
    expect(events[events.length - 1].type).toBe('session.status_terminated');
  });
});
