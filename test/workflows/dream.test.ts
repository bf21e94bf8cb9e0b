/**
 * Dreaming end to end: sessions run, a dream reads their event logs, proposes memory changes, waits for human
 * decisions (by update, or by signal as the Temporal CLI sends them), and applies only what was approved. The scripted model plays agent, grader and dreamer.
 */
import { ApplicationFailure, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { Dream, DreamInput } from '../../src/domain/dream';
import { createDreamSchedule } from '../../src/dreams/schedule';
import type { MemoryStoreRepository } from '../../src/memory/memory-store';
import { Worker } from '@temporalio/worker';
import { waitForDreamPhase } from '../helpers/dream-phase';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { workflowBundle } from '../helpers/temporal';
import { addChange, changesReply, lessonsReply } from '../helpers/dream-replies';
import {
  approveChangeSignal,
  INVALID_REVIEW_DECISION,
  rejectAllSignal,
  rejectChangeUpdate,
} from '../../src/workflows/api/dream-api';

const agent: AgentDefinition = {
  name: 'reporter',
  model: 'agent-model',
  system: 'AGENT-SYSTEM',
  tools: [],
  max_turns: 5,
  max_tokens: 256,
};
const SECRET = `sk-ant-api03-${'Zq9'.repeat(12)}`;

/** Every payload of a history decoded as text, to search it for what must not be there. */
function payloadTexts(history: unknown): string {
  const texts: string[] = [];
  const visit = (value: unknown): void => {
    if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(history);
  return texts.join('\n');
}

describe('dreams', () => {
  let harness: SessionHarness;
  let memory: MemoryStoreRepository;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
    memory = harness.storage.memory;
  });
  afterAll(async () => harness?.close());

  async function runSession(message: string, extra: Record<string, unknown> = {}): Promise<string> {
    const sessionId = await harness.lucid.startSession({ agent, message, ...extra });
    await harness.lucid.result(sessionId);
    return sessionId;
  }

  const waitForPhase = (dreamId: string, phase: Dream['phase']) => waitForDreamPhase(harness.lucid, dreamId, phase);

  const dreamInput = (storeId: string, sessionIds: string[], extra: Partial<DreamInput> = {}): DreamInput => ({
    memory_store_id: storeId,
    sessions: { type: 'session_ids', session_ids: sessionIds },
    model: 'dream-model',
    review: 'human',
    output_behavior: { type: 'update_existing' },
    ...extra,
  });

  it('learns from three sessions that failed the same criterion, and the next session passes first time', async () => {
    const verdict = (result: string, met: boolean) => ({
      type: 'tool_use' as const,
      name: 'submit_verdict',
      input: {
        result,
        explanation: met ? 'Sources present.' : 'No Sources section.',
        criteria: [{ criterion: 'The report has a Sources section', met, explanation: met ? 'present' : 'missing' }],
      },
    });
    harness.model.setScenario({
      rules: [
        lessonsReply('Always add a Sources section to reports.'),
        changesReply([
          {
            ...addChange('/lessons/sources.md', 'Always add a Sources section to reports.'),
            rationale: 'Three sessions failed the Sources criterion.',
          },
        ]),
        {
          match: { tools_include: 'submit_verdict', request: 'with a Sources section' },
          reply: { content: [verdict('satisfied', true)] },
        },
        { match: { tools_include: 'submit_verdict' }, reply: { content: [verdict('needs_revision', false)] } },
        {
          match: { system: 'Always add a Sources section' },
          reply: { content: [{ type: 'text', text: 'Report with a Sources section.' }] },
        },
        { match: { system: 'AGENT-SYSTEM' }, reply: { content: [{ type: 'text', text: 'Report written.' }] } },
      ],
    });
    const outcome = {
      description: 'A short report',
      rubric: { type: 'text' as const, content: '- The report has a Sources section' },
      max_iterations: 1,
    };
    const failed = [];
    for (let index = 0; index < 3; index++) failed.push(await runSession(`Write report ${index}`, { outcome }));

    const store = await memory.createStore({ name: 'reporter lessons' });
    const dreamId = await harness.lucid.startDream(dreamInput(store.id, failed));
    const waiting = await waitForPhase(dreamId, 'awaiting_review');
    expect(waiting.changes).toHaveLength(1);
    const [change] = waiting.changes;
    expect(change).toMatchObject({ op: 'add', path: '/lessons/sources.md', support: 3, status: 'pending' });
    expect(change.evidence.map((evidence) => evidence.session_id).sort()).toEqual([...failed].sort());
    expect(change.diff).toContain('+Always add a Sources section to reports.');

    const approved = await harness.lucid.approveChange(dreamId, {
      change_id: change.id,
      by: 'ana',
      comment: 'good catch',
    });
    expect(approved).toEqual({
      id: change.id,
      status: 'approved',
      decision: { by: 'ana', comment: 'good catch', at: expect.any(String) },
    });
    const finished = await harness.lucid.dreamResult(dreamId);
    expect(finished).toMatchObject({ status: 'completed', phase: 'done' });
    expect(finished.changes[0]).toMatchObject({ status: 'applied', decision: { by: 'ana', comment: 'good catch' } });
    expect(finished.usage.output_tokens).toBeGreaterThan(0);

    const lesson = await memory.getMemoryByPath(store.id, '/lessons/sources.md');
    const [version] = await memory.listVersions(store.id, { memory_id: lesson.id });
    expect(version.created_by).toEqual({ type: 'dream_actor', dream_id: dreamId, change_id: change.id });

    const before = harness.model.requests.length;
    const next = await harness.lucid.startSession({
      agent,
      message: 'Write report 3',
      outcome,
      memory_stores: [{ memory_store_id: store.id, access: 'read_only' }],
    });
    const snapshot = await harness.lucid.result(next);
    expect(JSON.stringify(harness.model.requests[before].body.system)).toContain(
      'Always add a Sources section to reports.',
    );
    expect(snapshot.outcome_evaluations).toEqual([expect.objectContaining({ result: 'satisfied', iteration: 0 })]);
  });

  it('applies only approved changes: one approved, one rejected, one expired at the deadline', async () => {
    harness.model.setScenario({
      rules: [
        lessonsReply('Three things to remember.'),
        changesReply([addChange('/a.md', 'alpha'), addChange('/b.md', 'beta'), addChange('/c.md', 'gamma')]),
        { match: {}, reply: { content: [{ type: 'text', text: 'ok' }] } },
      ],
    });
    const sessionId = await runSession('something');
    const store = await memory.createStore({ name: 'partial' });
    const dreamId = await harness.lucid.startDream(dreamInput(store.id, [sessionId], { review_deadline_seconds: 3 }));
    const waiting = await waitForPhase(dreamId, 'awaiting_review');
    const idOf = (filePath: string) =>
      waiting.changes.find((change) => 'path' in change && change.path === filePath)!.id;
    await harness.lucid.approveChange(dreamId, { change_id: idOf('/a.md'), by: 'ana' });
    await harness.lucid.rejectChange(dreamId, { change_id: idOf('/b.md'), by: 'ben', comment: 'not useful' });
    // The same decision by signal cannot be refused, so the dream logs it as ignored.
    await harness.temporal.client.workflow
      .getHandle(dreamId)
      .signal(approveChangeSignal, { change_id: 'chg_999', by: 'ana' });

    const finished = await harness.lucid.dreamResult(dreamId);
    const statusOf = (filePath: string) => finished.changes.find((change) => change.id === idOf(filePath))!.status;
    expect([statusOf('/a.md'), statusOf('/b.md'), statusOf('/c.md')]).toEqual(['applied', 'rejected', 'expired']);
    expect((await memory.listMemories(store.id)).map((item) => item.path)).toEqual(['/a.md']);
    const [version] = await memory.listVersions(store.id);
    expect(version.created_by).toEqual({ type: 'dream_actor', dream_id: dreamId, change_id: idOf('/a.md') });
    expect(finished.review_log.map((entry) => [entry.by, entry.decision, entry.result])).toEqual([
      ['ana', 'approved', 'ok'],
      ['ben', 'rejected', 'ok'],
      ['ana', 'approved', 'ignored: no such change'],
    ]);

    // The dream's history, signals and deadline timer included, replays deterministically.
    const history = await harness.temporal.client.workflow.getHandle(dreamId).fetchHistory();
    await expect(
      Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, dreamId),
    ).resolves.toBeUndefined();
  });

  it('rejects a review update that cannot apply before it reaches history; the signals still decide', async () => {
    harness.model.setScenario({
      rules: [
        lessonsReply('Two things.'),
        changesReply([addChange('/one.md', 'one'), addChange('/two.md', 'two')]),
        { match: {}, reply: { content: [{ type: 'text', text: 'ok' }] } },
      ],
    });
    const sessionId = await runSession('two things');
    const store = await memory.createStore({ name: 'review updates' });
    const dreamId = await harness.lucid.startDream(dreamInput(store.id, [sessionId]));
    const waiting = await waitForPhase(dreamId, 'awaiting_review');
    const [one, two] = waiting.changes.map((change) => change.id);
    const handle = harness.temporal.client.workflow.getHandle(dreamId);
    const rejection = async (call: Promise<unknown>) => {
      const error = await call.then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      const cause = (error as WorkflowUpdateFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe(INVALID_REVIEW_DECISION);
      return cause?.message;
    };

    expect(await rejection(harness.lucid.approveChange(dreamId, { change_id: 'chg_404', by: 'ana' }))).toBe(
      `dream ${dreamId} has no change "chg_404" (its changes: ${one}, ${two})`,
    );
    const malformed = { change_id: one, by: 'REJECTED-DECISION-MARKER', extra: 'field' };
    expect(await rejection(handle.executeUpdate(rejectChangeUpdate, { args: [malformed] }))).toMatch(
      /^invalid decision: \(input\): Unrecognized key/,
    );
    expect(await harness.lucid.approveChange(dreamId, { change_id: one, by: 'ana' })).toMatchObject({
      id: one,
      status: 'approved',
    });
    expect(await rejection(harness.lucid.rejectChange(dreamId, { change_id: one, by: 'ben' }))).toBe(
      `${one} is already approved`,
    );

    // The rejected updates left no trace: not in the review log, not in the workflow's history.
    const live = await harness.lucid.dream(dreamId);
    expect(live?.review_log.map((entry) => [entry.by, entry.change_id, entry.result])).toEqual([['ana', one, 'ok']]);
    const history = await handle.fetchHistory();
    expect(payloadTexts(history)).not.toContain('REJECTED-DECISION-MARKER');
    const updateEvents = (history.events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes);
    expect(updateEvents).toHaveLength(1);

    // Old callers' signals still work, under the same names as the updates.
    await handle.signal(rejectAllSignal, { by: 'ben' });
    const finished = await harness.lucid.dreamResult(dreamId);
    expect(finished.changes.map((change) => [change.id, change.status, change.decision?.by])).toEqual([
      [one, 'applied', 'ana'],
      [two, 'rejected', 'ben'],
    ]);
    expect((await memory.listMemories(store.id)).map((item) => item.path)).toEqual(['/one.md']);
    await expect(
      Worker.runReplayHistory({ workflowBundle: workflowBundle() }, await handle.fetchHistory(), dreamId),
    ).resolves.toBeUndefined();
  });

  it('marks a change conflicted when a user edited its memory while the dream waited', async () => {
    const store = await memory.createStore({ name: 'conflicts' });
    await memory.writeMemory(
      store.id,
      { path: '/style.md', content: 'Use tabs.' },
      { type: 'user_actor', user_id: 'ana' },
    );
    harness.model.setScenario({
      rules: [
        lessonsReply('The team switched to spaces.'),
        changesReply([
          {
            op: 'edit',
            path: '/style.md',
            old_string: 'tabs',
            new_string: 'spaces',
            rationale: 'style changed',
            lesson_numbers: [1],
          },
        ]),
        { match: {}, reply: { content: [{ type: 'text', text: 'ok' }] } },
      ],
    });
    const sessionId = await runSession('style talk');
    const dreamId = await harness.lucid.startDream(dreamInput(store.id, [sessionId]));
    await waitForPhase(dreamId, 'awaiting_review');
    await memory.writeMemory(
      store.id,
      { path: '/style.md', content: 'Use tabs. Always.' },
      { type: 'user_actor', user_id: 'ben' },
    );
    const decided = await harness.lucid.approveAll(dreamId, { by: 'ana' });
    expect(decided.map((change) => change.status)).toEqual(['approved']);
    const finished = await harness.lucid.dreamResult(dreamId);
    expect(finished.changes[0].status).toBe('conflicted');
    expect((await memory.getMemoryByPath(store.id, '/style.md')).content).toBe('Use tabs. Always.');
  });

  it('never lets a secret from a transcript reach a proposal, the model or the store', async () => {
    harness.model.setScenario({
      rules: [
        lessonsReply(`Use the key ${SECRET} for deployments.`),
        changesReply([addChange('/deploy.md', `Deploy with ${SECRET} and password=hunter2hunter2`)]),
        { match: {}, reply: { content: [{ type: 'text', text: 'ok' }] } },
      ],
    });
    const before = harness.model.requests.length;
    const sessionId = await runSession(`Deploy with ${SECRET} please, password=hunter2hunter2`);
    const store = await memory.createStore({ name: 'secrets' });
    const dreamId = await harness.lucid.startDream(dreamInput(store.id, [sessionId], { review: 'auto' }));
    const finished = await harness.lucid.dreamResult(dreamId);
    expect(JSON.stringify(finished)).not.toContain(SECRET);
    expect(JSON.stringify(finished)).not.toContain('hunter2hunter2');
    const stored = await memory.listMemories(store.id, { include_content: true });
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    const dreamRequests = harness.model.requests
      .slice(before)
      .filter((request) => /record_lessons|propose_changes/.test(JSON.stringify(request.body.tools ?? [])));
    expect(dreamRequests.length).toBeGreaterThan(0);
    for (const request of dreamRequests) expect(JSON.stringify(request.body)).not.toContain(SECRET);
  });

  it('lets only one update_existing dream hold a store', async () => {
    harness.model.setScenario({
      rules: [
        lessonsReply('x'),
        changesReply([addChange('/x.md', 'x')]),
        { match: {}, reply: { content: [{ type: 'text', text: 'ok' }] } },
      ],
    });
    const sessionId = await runSession('hold');
    const store = await memory.createStore({ name: 'held' });
    const first = await harness.lucid.startDream(dreamInput(store.id, [sessionId]));
    await waitForPhase(first, 'awaiting_review');
    const second = await harness.lucid.startDream(dreamInput(store.id, [sessionId]));
    const error = await harness.lucid.dreamResult(second).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(`${cause?.message} ${(cause?.cause as Error | undefined)?.message ?? ''}`).toMatch(/held by dream/);
    expect((await harness.lucid.dream(second))?.status).toBe('failed');
    await harness.lucid.rejectAll(first, { by: 'ana' });
    expect((await harness.lucid.dreamResult(first)).changes[0].status).toBe('rejected');
  });

  it('stops on cancel and applies nothing further', async () => {
    harness.model.setScenario({
      rules: [
        lessonsReply('x'),
        changesReply([addChange('/never.md', 'never')]),
        { match: {}, reply: { content: [{ type: 'text', text: 'ok' }] } },
      ],
    });
    const sessionId = await runSession('cancel me');
    const store = await memory.createStore({ name: 'canceled' });
    const dreamId = await harness.lucid.startDream(dreamInput(store.id, [sessionId]));
    await waitForPhase(dreamId, 'awaiting_review');
    await harness.temporal.client.workflow.getHandle(dreamId).cancel();
    await expect(harness.lucid.dreamResult(dreamId)).rejects.toThrow(WorkflowFailedError);
    await expect(harness.lucid.approveAll(dreamId, { by: 'late' })).rejects.toThrow(); // too late: the workflow has ended
    expect(await harness.lucid.dream(dreamId)).toMatchObject({ status: 'canceled', ended_at: expect.any(String) });
    expect(await memory.listMemories(store.id)).toEqual([]);
    // The hold was released: another update_existing dream can take the store.
    const next = await harness.lucid.startDream(dreamInput(store.id, [sessionId], { review: 'auto' }));
    expect((await harness.lucid.dreamResult(next)).changes[0].status).toBe('applied');
  });

  it('runs on a schedule: skips below the session threshold, dreams above it', async () => {
    const scheduled: AgentDefinition = { ...agent, name: `scheduled-${Date.now()}` };
    harness.model.setScenario({
      rules: [
        lessonsReply('learned'),
        changesReply([addChange('/s.md', 'scheduled lesson')]),
        { match: {}, reply: { content: [{ type: 'text', text: 'ok' }] } },
      ],
    });
    const store = await memory.createStore({ name: 'scheduled' });
    const schedule = await createDreamSchedule(harness.temporal.client, {
      agent: scheduled.name,
      memory_store_id: store.id,
      model: 'dream-model',
      every: '1 hour',
      min_sessions: 2,
      review: 'auto',
      taskQueue: harness.taskQueue,
    });
    // Runs by run id: two triggers within one second give their runs the same workflow id.
    const runs = async () => {
      const found: Array<{ workflowId: string; runId: string }> = [];
      for await (const { workflowId, runId } of harness.temporal.client.workflow.list({
        query: `TemporalScheduledById = "${schedule.scheduleId}"`,
      })) {
        found.push({ workflowId, runId });
      }
      return found;
    };
    // Returns the listing that showed them all: visibility is eventually consistent, a second listing may not.
    const waitForRuns = async (count: number) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const found = await runs();
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`schedule did not start run ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    const dreamOf = (run: { workflowId: string; runId: string }): Promise<Dream> =>
      harness.temporal.client.workflow.getHandle(run.workflowId, run.runId).result();
    try {
      await schedule.trigger();
      const [firstRun] = await waitForRuns(1);
      const skipped = await dreamOf(firstRun);
      expect(skipped).toMatchObject({ status: 'completed', phase: 'skipped', usage: { output_tokens: 0 } });

      await harness.lucid.result(await harness.lucid.startSession({ agent: scheduled, message: 'one' }));
      await harness.lucid.result(await harness.lucid.startSession({ agent: scheduled, message: 'two' }));
      await schedule.trigger();
      const secondRun = (await waitForRuns(2)).find((run) => run.runId !== firstRun.runId)!;
      const dreamt = await dreamOf(secondRun);
      expect(dreamt).toMatchObject({ status: 'completed', phase: 'done' });
      expect(dreamt.session_ids).toHaveLength(2);
      expect((await memory.getMemoryByPath(store.id, '/s.md')).content).toBe('scheduled lesson');
    } finally {
      await schedule.delete();
    }
  });
});
