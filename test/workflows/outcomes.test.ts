/**
 * Outcomes end to end: a real worker, dev server and SDK; the scripted model plays both the agent (matched by
 * its system prompt) and the grader (matched by its submit_verdict tool).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import type { CriterionVerdict, OutcomeDefinitionInput } from '../../src/domain/outcome';
import type { Rule } from '../../src/scripted-model/scenario';
import { lastUserText, type RecordedRequest } from '../../src/scripted-model/server';
import { defineOutcomeSignal } from '../../src/workflows/api/session-api';
import { expectWellFormedLog, startSessionHarness, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';

const AGENT_SYSTEM = 'AGENT-SYSTEM-PROMPT: you write careful reports.';
const agent: AgentDefinition = {
  name: 'reporter',
  model: 'scripted-agent',
  system: AGENT_SYSTEM,
  tools: ['read_file', 'write_file', 'edit_file', 'list_files'],
  max_turns: 10,
  max_tokens: 512,
};
const RUBRIC = '- The report has a title\n- The report lists three risks';
const outcome = (extra: Partial<OutcomeDefinitionInput> = {}): OutcomeDefinitionInput => ({
  description: 'Write report.md about project risks',
  rubric: { type: 'text', content: RUBRIC },
  ...extra,
});

const criteria = (titleMet: boolean, risksMet: boolean): CriterionVerdict[] => [
  { criterion: 'The report has a title', met: titleMet, explanation: titleMet ? 'has "# Risks"' : 'no title line' },
  {
    criterion: 'The report lists three risks',
    met: risksMet,
    explanation: risksMet ? 'three bullets' : 'only one risk listed',
  },
];

function verdict(
  result: 'satisfied' | 'needs_revision' | 'failed',
  explanation: string,
  list = criteria(true, result === 'satisfied'),
): Rule {
  return {
    match: { tools_include: 'submit_verdict' },
    times: 1,
    reply: { content: [{ type: 'tool_use', name: 'submit_verdict', input: { result, explanation, criteria: list } }] },
  };
}

/** The agent writes a report with a tool, then ends its turn with a short message. */
const agentWritesReport: Rule[] = [
  {
    match: { system: 'AGENT-SYSTEM-PROMPT', last_user_text: 'Outcome outc_' },
    times: 1,
    reply: {
      content: [
        { type: 'tool_use', name: 'write_file', input: { path: 'report.md', content: '# Risks\n- scope creep\n' } },
      ],
    },
  },
  {
    match: { system: 'AGENT-SYSTEM-PROMPT' },
    reply: { content: [{ type: 'text', text: 'Report written to report.md.' }] },
  },
];

const isGrader = (request: RecordedRequest) => JSON.stringify(request.body.tools ?? []).includes('submit_verdict');
const ofType = <T extends SessionEvent['type']>(events: SessionEvent[], type: T) =>
  events.filter((event): event is Extract<SessionEvent, { type: T }> => event.type === type);

describe('outcomes', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
  });
  afterAll(async () => harness?.close());

  async function run(rules: Rule[], input: Parameters<SessionHarness['lucid']['startSession']>[0]) {
    harness.model.setScenario({ rules });
    const before = harness.model.requests.length;
    const sessionId = await harness.lucid.startSession(input);
    const snapshot = await harness.lucid.result(sessionId);
    const events = await harness.store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    const requests = harness.model.requests.slice(before);
    return {
      sessionId,
      snapshot,
      events,
      graderRequests: requests.filter(isGrader),
      agentRequests: requests.filter((r) => !isGrader(r)),
    };
  }

  it('passes on the first try, with a grader that sees rubric and deliverables but nothing of the agent', async () => {
    const { snapshot, events, graderRequests } = await run(
      [verdict('satisfied', 'All criteria met.'), ...agentWritesReport],
      {
        agent,
        message: 'Please do the report',
        outcome: outcome(),
      },
    );

    expect(snapshot.outcome_evaluations).toEqual([
      expect.objectContaining({
        result: 'satisfied',
        iteration: 0,
        explanation: 'All criteria met.',
        completed_at: expect.any(String),
      }),
    ]);
    expect(snapshot.outcome_evaluations[0].outcome_id).toMatch(/^outc_/);
    const ends = ofType(events, 'span.outcome_evaluation_end');
    expect(ends).toEqual([
      expect.objectContaining({ result: 'satisfied', iteration: 0, criteria: criteria(true, true) }),
    ]);
    expect(ofType(events, 'user.define_outcome')[0]).toMatchObject({
      outcome_id: snapshot.outcome_evaluations[0].outcome_id,
      max_iterations: 3,
    });

    // Grader tokens are counted apart from the agent's.
    expect(snapshot.grader_usage.output_tokens).toBeGreaterThan(0);
    expect(ends[0].usage).toEqual(snapshot.grader_usage);

    expect(graderRequests.length).toBeGreaterThanOrEqual(1);
    for (const request of graderRequests) {
      const text = JSON.stringify(request.body);
      expect(text).toContain('The report lists three risks');
      expect(text).toContain('Report written to report.md.');
      expect(text).not.toContain('AGENT-SYSTEM-PROMPT');
      expect(text).not.toContain('scope creep\\n"'); // the agent's write_file call is not shown to the grader
      const blocks = request.body.messages.flatMap((message: { content: unknown }) =>
        Array.isArray(message.content) ? message.content : [],
      );
      expect(
        blocks.filter(
          (block: { type: string; name?: string }) => block.type === 'tool_use' && block.name === 'write_file',
        ),
      ).toEqual([]);
    }
  });

  it('passes after two revisions, and the feedback of iteration 0 reaches the agent', async () => {
    const rules: Rule[] = [
      verdict('needs_revision', 'FEEDBACK-ZERO: list all three risks.', criteria(true, false)),
      verdict('needs_revision', 'FEEDBACK-ONE: still two risks.', criteria(true, false)),
      verdict('satisfied', 'Good now.'),
      {
        match: { system: 'AGENT-SYSTEM-PROMPT', last_user_text: 'FEEDBACK-ZERO' },
        times: 1,
        reply: { content: [{ type: 'text', text: 'Revised once.' }] },
      },
      {
        match: { system: 'AGENT-SYSTEM-PROMPT', last_user_text: 'FEEDBACK-ONE' },
        times: 1,
        reply: { content: [{ type: 'text', text: 'Revised twice.' }] },
      },
      ...agentWritesReport,
    ];
    const { snapshot, events, agentRequests } = await run(rules, {
      agent,
      message: 'Report please',
      outcome: outcome(),
    });

    expect(ofType(events, 'span.outcome_evaluation_end').map((event) => [event.iteration, event.result])).toEqual([
      [0, 'needs_revision'],
      [1, 'needs_revision'],
      [2, 'satisfied'],
    ]);
    expect(snapshot.outcome_evaluations[0]).toMatchObject({ result: 'satisfied', iteration: 2 });
    const afterFirstVerdict = agentRequests.find((request) => lastUserText(request.body).includes('FEEDBACK-ZERO'));
    expect(lastUserText(afterFirstVerdict!.body)).toContain('[Grader feedback on outcome');
    expect(lastUserText(afterFirstVerdict!.body)).toContain('The report lists three risks: only one risk listed');
    expect(snapshot.final_message).toBe('Revised twice.');
  });

  it('stops at max_iterations_reached after exactly max_iterations evaluations, with one last agent turn', async () => {
    const rules: Rule[] = [
      { ...verdict('needs_revision', 'Not there yet.', criteria(false, false)), times: undefined },
      {
        match: { system: 'AGENT-SYSTEM-PROMPT', last_user_text: 'No evaluations are left' },
        reply: { content: [{ type: 'text', text: 'Acknowledged: title and risks still missing.' }] },
      },
      ...agentWritesReport,
    ];
    const { snapshot, events, agentRequests } = await run(rules, {
      agent,
      message: 'Report please',
      outcome: outcome({ max_iterations: 2 }),
    });

    expect(ofType(events, 'span.outcome_evaluation_start')).toHaveLength(2);
    expect(ofType(events, 'span.outcome_evaluation_end').map((event) => event.result)).toEqual([
      'needs_revision',
      'max_iterations_reached',
    ]);
    expect(snapshot.outcome_evaluations[0]).toMatchObject({
      result: 'max_iterations_reached',
      completed_at: expect.any(String),
    });
    expect(snapshot.final_message).toBe('Acknowledged: title and risks still missing.');
    expect(lastUserText(agentRequests[agentRequests.length - 1].body)).toContain('No evaluations are left');
    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
  });

  it('ends with failed when the rubric cannot be applied', async () => {
    const { snapshot, events } = await run(
      [
        verdict('failed', 'The rubric asks about a report; there is none to grade.', criteria(false, false)),
        ...agentWritesReport,
      ],
      {
        agent,
        message: 'Report please',
        outcome: outcome(),
      },
    );
    expect(ofType(events, 'span.outcome_evaluation_end').map((event) => event.result)).toEqual(['failed']);
    expect(snapshot.outcome_evaluations[0]).toMatchObject({
      result: 'failed',
      explanation: expect.stringContaining('none to grade'),
    });
  });

  it('retries a malformed grader reply and records a grader error, never a pass', async () => {
    const malformed: Rule = {
      match: { tools_include: 'submit_verdict' },
      reply: {
        content: [
          {
            type: 'tool_use',
            name: 'submit_verdict',
            input: { result: 'satisfied', explanation: 'Looks fine', criteria: [] },
          },
        ],
      },
    };
    const { snapshot, events, graderRequests } = await run([malformed, ...agentWritesReport], {
      agent,
      message: 'Report please',
      outcome: outcome(),
    });
    expect(graderRequests.length).toBeGreaterThan(1);
    const [end] = ofType(events, 'span.outcome_evaluation_end');
    expect(end.result).toBe('grader_error');
    expect(snapshot.outcome_evaluations[0].result).toBe('grader_error');
    expect(events.some((event) => event.type === 'span.outcome_evaluation_end' && event.result === 'satisfied')).toBe(
      false,
    );
  });

  it('is interrupted during grading, with heartbeat events while the grader works', async () => {
    harness.model.setScenario({ rules: [{ ...verdict('satisfied', 'late'), delay_ms: 60_000 }, ...agentWritesReport] });
    const sessionId = await harness.lucid.startSession({ agent, message: 'Report please', outcome: outcome() });
    const deadline = Date.now() + 30_000;
    while (
      !(await harness.lucid.readEvents(sessionId)).some((event) => event.type === 'span.outcome_evaluation_ongoing')
    ) {
      if (Date.now() > deadline) throw new Error('no span.outcome_evaluation_ongoing event');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await harness.lucid.interrupt(sessionId);
    const snapshot = await harness.lucid.result(sessionId);
    const events = await harness.store.readEvents(sessionId);
    expect(ofType(events, 'span.outcome_evaluation_end').map((event) => event.result)).toEqual(['interrupted']);
    expect(snapshot.outcome_evaluations[0].result).toBe('interrupted');
    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
  });

  it('starts work when an outcome arrives by signal at an idle, kept-alive session', async () => {
    harness.model.setScenario({
      rules: [
        verdict('satisfied', 'Done well.'),
        {
          match: { system: 'AGENT-SYSTEM-PROMPT', last_user_text: 'just say hi' },
          times: 1,
          reply: { content: [{ type: 'text', text: 'hi' }] },
        },
        ...agentWritesReport,
      ],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'just say hi', keep_alive_seconds: 3 });
    while ((await harness.lucid.snapshot(sessionId))?.status !== 'idle')
      await new Promise((resolve) => setTimeout(resolve, 50));
    await harness.temporal.client.workflow.getHandle(sessionId).signal(defineOutcomeSignal, outcome());
    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.outcome_evaluations).toEqual([expect.objectContaining({ result: 'satisfied' })]);
    const types = (await harness.store.readEvents(sessionId)).map((event) => event.type);
    expect(types.indexOf('user.define_outcome')).toBeGreaterThan(types.indexOf('session.status_idle'));
  });

  it('reports an invalid outcome signal as a session error and keeps going', async () => {
    harness.model.setScenario({ rules: [{ match: {}, reply: { content: [{ type: 'text', text: 'ok' }] } }] });
    const sessionId = await harness.lucid.startSession({ agent, message: 'wait for me', keep_alive_seconds: 2 });
    await harness.temporal.client.workflow
      .getHandle(sessionId)
      .signal(defineOutcomeSignal, { description: 'x', rubric: { type: 'text', content: 'y' }, max_iterations: 99 });
    const snapshot = await harness.lucid.result(sessionId);
    const errors = ofType(await harness.store.readEvents(sessionId), 'session.error');
    expect(errors[0].error).toMatchObject({
      type: 'invalid_request_error',
      message: expect.stringMatching(/max_iterations/),
    });
    expect(snapshot.outcome_evaluations).toEqual([]);
  });

  it('reads a file rubric once, and a hidden rubric never reaches the agent', async () => {
    const workspace = tempDir('lucid-rubric-');
    fs.writeFileSync(path.join(workspace, 'rubric.md'), '- FILE-RUBRIC: the report has a title\n');
    const fileRun = await run([verdict('satisfied', 'ok', criteria(true, true).slice(0, 1)), ...agentWritesReport], {
      agent,
      message: 'Report please',
      workspace,
      outcome: outcome({ rubric: { type: 'file', path: 'rubric.md' } }),
    });
    expect(fileRun.snapshot.outcome_evaluations[0].result).toBe('satisfied');
    expect(JSON.stringify(fileRun.graderRequests[0].body)).toContain('FILE-RUBRIC');

    const hiddenRun = await run([verdict('satisfied', 'ok'), ...agentWritesReport], {
      agent,
      message: 'Report please',
      outcome: outcome({ hide_rubric: true }),
    });
    expect(hiddenRun.snapshot.outcome_evaluations[0].result).toBe('satisfied');
    for (const request of hiddenRun.agentRequests)
      expect(JSON.stringify(request.body)).not.toContain('The report lists three risks');
    expect(JSON.stringify(hiddenRun.agentRequests[0].body)).toContain('Write report.md about project risks');
    expect(JSON.stringify(hiddenRun.graderRequests[0].body)).toContain('The report lists three risks');
  });

  it('rejects a hidden file rubric and an oversized rubric at start', async () => {
    await expect(
      harness.lucid.startSession({
        agent,
        message: 'x',
        outcome: outcome({ hide_rubric: true, rubric: { type: 'file', path: 'r.md' } }),
      }),
    ).rejects.toThrow(/hidden rubric must be given as text/);
    await expect(
      harness.lucid.startSession({
        agent,
        message: 'x',
        outcome: outcome({ rubric: { type: 'text', content: 'x'.repeat(262_145) } }),
      }),
    ).rejects.toThrow(/rubric/);
  });
});
