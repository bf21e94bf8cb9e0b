/** Condensed transcripts: pure functions over hand-built event logs. */
import type { SessionEvent, SessionEventBody } from '../../src/domain/events';
import { condenseSession, omissionMarker, sessionOutcomeSummary } from '../../src/dreams/condense';
import { redactForDream } from '../../src/dreams/reflect';

/** Numbers the bodies 1, 2, 3, … as a session log would. */
function log(bodies: SessionEventBody[]): SessionEvent[] {
  return bodies.map(
    (body, index) =>
      ({ id: `sevt_${index + 1}`, seq: index + 1, processed_at: '2026-05-01T00:00:00.000Z', ...body }) as SessionEvent,
  );
}

const user = (text: string): SessionEventBody => ({ type: 'user.message', content: [{ type: 'text', text }] });
const agent = (text: string): SessionEventBody => ({ type: 'agent.message', content: [{ type: 'text', text }] });
const toolUse = (id: string, name: string, input: Record<string, unknown>): SessionEventBody => ({
  type: 'agent.tool_use',
  tool_use_id: id,
  name,
  input,
});
const toolResult = (id: string, text: string, isError = false): SessionEventBody => ({
  type: 'agent.tool_result',
  tool_use_id: id,
  content: [{ type: 'text', text }],
  is_error: isError,
});
const running: SessionEventBody = { type: 'session.status_running' };
const idle: SessionEventBody = { type: 'session.status_idle', stop_reason: { type: 'end_turn' }, stop_details: null };
const spanStart: SessionEventBody = { type: 'span.model_request_start', model: 'm' };
const spanEnd: SessionEventBody = {
  type: 'span.model_request_end',
  model_request_start_id: 'x',
  is_error: false,
  model_usage: { input_tokens: 1, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
};
const overloaded: SessionEventBody = {
  type: 'session.error',
  error: { type: 'model_overloaded_error', message: 'Overloaded, retrying in 2s', retry_status: { type: 'retrying' } },
};
const defineOutcome: SessionEventBody = {
  type: 'user.define_outcome',
  outcome_id: 'outc_1',
  description: 'A summary of the notes in summary.md',
  rubric: { type: 'text', content: '- summary.md exists\n- it names every note' },
  max_iterations: 3,
  rubric_hidden: false,
};
function evaluation(result: 'needs_revision' | 'satisfied', iteration: number): SessionEventBody {
  return {
    type: 'span.outcome_evaluation_end',
    outcome_evaluation_start_id: 'x',
    outcome_id: 'outc_1',
    iteration,
    result,
    explanation: result === 'satisfied' ? 'All criteria met.' : 'beta.md is not named.',
    criteria: [
      { criterion: 'summary.md exists', met: true, explanation: 'It exists.' },
      {
        criterion: 'it names every note',
        met: result === 'satisfied',
        explanation: result === 'satisfied' ? 'All named.' : 'beta.md missing.',
      },
    ],
    max_iterations: 3,
    usage: { input_tokens: 1, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  };
}

/** A session with an outcome: one failed evaluation, a revision, then a pass. */
function gradedSession(): SessionEvent[] {
  return log([
    user('Summarise the notes folder into summary.md.'),
    defineOutcome,
    running,
    spanStart,
    toolUse('t1', 'write_file', { path: 'summary.md', content: 'Alpha is the plan.' }),
    spanEnd,
    toolResult('t1', 'Wrote 18 bytes to summary.md'),
    overloaded,
    agent('Done: summary.md is written.'),
    idle,
    evaluation('needs_revision', 0),
    toolUse('t2', 'edit_file', { path: 'summary.md', old_string: 'plan.', new_string: 'plan. Beta lists the risks.' }),
    toolResult('t2', 'old_string not found', true),
    agent('Fixed: beta.md is named now.'),
    evaluation('satisfied', 1),
    idle,
  ]);
}

/** A long session: a user request, `count` tool calls with bulky results, a verdict in the middle, an answer. */
function longSession(count: number): SessionEvent[] {
  const bodies: SessionEventBody[] = [user('Rename every file in src/ to kebab-case.')];
  for (let index = 1; index <= count; index++) {
    bodies.push(
      toolUse(`t${index}`, 'read_file', { path: `src/file${index}.ts` }),
      toolResult(`t${index}`, `export const value${index} = ${index};\n`.repeat(20)),
    );
    if (index === Math.floor(count / 2)) bodies.push(overloaded, evaluation('needs_revision', 0));
  }
  bodies.push(agent('All files are renamed.'), idle);
  return log(bodies);
}

/** Seqs of the entries shown, and the ranges the markers claim. */
function parse(text: string): { shown: number[]; omitted: Array<{ count: number; first: number; last: number }> } {
  const shown = [...text.matchAll(/^\[#(\d+)\]/gm)].map((match) => Number(match[1]));
  const omitted = [...text.matchAll(/^\[… (\d+) events? \(#(\d+)(?:–#(\d+))?\) omitted …\]$/gm)].map((match) => ({
    count: Number(match[1]),
    first: Number(match[2]),
    last: Number(match[3] ?? match[2]),
  }));
  return { shown, omitted };
}

describe('condenseSession', () => {
  test('shows every meaningful event with its seq, drops spans and running status, keeps verdicts whole', () => {
    const text = condenseSession(gradedSession(), 10_000);

    expect(text.split('\n')[0]).toBe('[#1] user.message: Summarise the notes folder into summary.md.');
    expect(text).toContain(
      '[#2] user.define_outcome outc_1 (at most 3 evaluations): A summary of the notes in summary.md',
    );
    expect(text).toContain('    - it names every note');
    expect(text).toContain('[#5] agent.tool_use write_file {"path":"summary.md","content":"Alpha is the plan."}');
    expect(text).toContain('[#7] agent.tool_result write_file ok: Wrote 18 bytes to summary.md');
    expect(text).toContain('[#8] session.error model_overloaded_error (retrying): Overloaded, retrying in 2s');
    expect(text).toContain(
      '[#11] span.outcome_evaluation_end outc_1 evaluation 1 of 3: needs_revision — beta.md is not named.',
    );
    expect(text).toContain('    - NOT MET: it names every note — beta.md missing.');
    expect(text).toContain('[#13] agent.tool_result edit_file ERROR: old_string not found');
    expect(text).toContain('[#15] span.outcome_evaluation_end outc_1 evaluation 2 of 3: satisfied — All criteria met.');
    expect(text).toContain('[#16] session.status_idle: end_turn');
    expect(text).not.toMatch(/span\.model_request|status_running/);
    expect(parse(text).shown).toEqual([1, 2, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });

  test('cuts bulky tool input and output to excerpts, every argument still visible', () => {
    const events = log([
      toolUse('t1', 'write_file', { path: 'big.md', content: 'x'.repeat(5_000) }),
      toolResult('t1', 'line\n'.repeat(2_000)),
    ]);
    const [use, result] = condenseSession(events, 50_000).split('\n');

    expect(use.length).toBeLessThan(400);
    expect(use).toMatch(/^\[#1\] agent\.tool_use write_file \{"path":"big\.md","content":"x+… \[\+\d+ chars\]"\}$/);
    expect(result.length).toBeLessThan(300);
    expect(result).toMatch(/^\[#2\] agent\.tool_result write_file ok: line line .*… \[\+\d+ chars\]$/);
  });

  test('shortens an overlong message in the middle, keeping its start and its end', () => {
    const message = `START ${'blah '.repeat(2_000)} END`;
    const text = condenseSession(log([user(message)]), 5_000);

    expect(text.length).toBeLessThanOrEqual(5_000);
    expect(text).toMatch(/^\[#1\] user\.message: START blah .*\[…\d+ chars omitted…\] .*blah +END$/s);
  });

  test('over budget: keeps the verdict, the error, the start and the end, and marks what it omitted', () => {
    const events = longSession(200);
    const text = condenseSession(events, 6_000);
    const { shown, omitted } = parse(text);

    expect(text.length).toBeLessThanOrEqual(6_000);
    expect(text).toContain('[#1] user.message: Rename every file in src/ to kebab-case.');
    expect(text).toMatch(/session\.error model_overloaded_error/);
    expect(text).toMatch(/span\.outcome_evaluation_end outc_1 evaluation 1 of 3: needs_revision/);
    expect(text).toContain('    - NOT MET: it names every note — beta.md missing.');
    expect(text).toContain(`[#${events.length - 1}] agent.message: All files are renamed.`);
    expect(text).toContain(`[#${events.length}] session.status_idle: end_turn`);
    expect(omitted.length).toBeGreaterThan(0);

    // Shown entries and omitted stretches partition the log: each event appears exactly once, in order.
    const covered = [...shown.map((seq) => ({ first: seq, last: seq, count: 1 })), ...omitted].sort(
      (a, b) => a.first - b.first,
    );
    let next = 1;
    for (const range of covered) {
      expect(range.first).toBe(next);
      expect(range.last - range.first + 1).toBe(range.count);
      next = range.last + 1;
    }
    expect(next).toBe(events.length + 1);
  });

  test('fits every budget, large or tiny, and is deterministic', () => {
    const events = longSession(60);
    for (const budget of [0, 10, 60, 200, 500, 1_000, 2_000, 5_000, 20_000, 100_000]) {
      const text = condenseSession(events, budget);
      expect(text.length).toBeLessThanOrEqual(budget);
      expect(condenseSession(events, budget)).toBe(text);
    }
    // Nothing is omitted when everything fits.
    expect(parse(condenseSession(events, 100_000)).shown).toEqual(events.map((event) => event.seq));
  });

  test("redacts through the caller's function before cutting, so no secret is left half-visible", () => {
    const key = `sk-ant-api03-${'k'.repeat(200)}`;
    const events = log([toolUse('t1', 'write_file', { path: '.env', content: `ANTHROPIC_API_KEY=${key}` })]);
    const text = condenseSession(events, 10_000, { redact: (value) => value.split(key).join('[REDACTED]') });

    expect(text).toContain('ANTHROPIC_API_KEY=[REDACTED]');
    expect(text).not.toContain('sk-ant-api03-kkk');
  });

  test('redacts only around what is shown, so a long session with huge tool inputs condenses fast', () => {
    const huge = `${'lorem ipsum '.repeat(20_000)}password=hunter2hunter2`;
    const events = log(
      Array.from({ length: 300 }, (_, index) =>
        toolUse(`t${index}`, 'write_file', { path: `f${index}.md`, content: huge }),
      ),
    );
    const started = Date.now();
    const text = condenseSession(events, 60_000, { redact: (value) => redactForDream(value) });

    expect(Date.now() - started).toBeLessThan(3_000);
    expect(text.length).toBeLessThanOrEqual(60_000);
    expect(text).toMatch(/"content":"lorem ipsum .*… \[\+\d{6} chars\]"/);
  });

  test('an empty log condenses to nothing; a budget with no room for any event gives one marker', () => {
    expect(condenseSession([], 1_000)).toBe('');
    expect(condenseSession(longSession(5), 40)).toBe(omissionMarker(15, 1, 15));
  });
});

describe('sessionOutcomeSummary', () => {
  test('lists verdicts with unmet criteria, counts errors and says how the session ended', () => {
    expect(sessionOutcomeSummary(gradedSession())).toEqual({
      verdicts: [
        {
          seq: 11,
          outcome_id: 'outc_1',
          iteration: 0,
          max_iterations: 3,
          result: 'needs_revision',
          unmet_criteria: ['it names every note'],
        },
        { seq: 15, outcome_id: 'outc_1', iteration: 1, max_iterations: 3, result: 'satisfied', unmet_criteria: [] },
      ],
      errors: 1,
      error_seqs: [8],
      tool_errors: 1,
      interrupts: 0,
      ended: 'end_turn',
    });
  });

  test('a log that stops while running, or without status events', () => {
    expect(sessionOutcomeSummary(log([user('hi'), running])).ended).toBe('running');
    expect(sessionOutcomeSummary(log([user('hi'), { type: 'session.status_terminated' }])).ended).toBe('terminated');
    expect(sessionOutcomeSummary(log([user('hi')])).ended).toBeNull();
  });
});

describe('a compacted session', () => {
  it('is condensed from its full log: every event the summary replaced, and one line for the compaction', () => {
    const events = log([
      user('Read the notes'),
      spanStart,
      toolUse('t1', 'read_file', { path: 'a.md' }),
      spanEnd,
      toolResult('t1', 'NOTE A'),
      {
        type: 'agent.thread_context_compacted',
        compacted_from_seq: 1,
        compacted_through_seq: 5,
        tokens_before: 18_000,
        tokens_after: 4_000,
        summary: [{ type: 'text', text: 'SUMMARY TEXT' }],
      },
      spanStart,
      agent('Done.'),
      spanEnd,
      idle,
    ]);
    const condensed = condenseSession(events, 10_000);
    expect(condensed).toContain('[#1] user.message: Read the notes');
    expect(condensed).toContain('NOTE A');
    expect(condensed).toContain('[#6] agent.thread_context_compacted: seqs 1–5 summarised for the model');
    expect(condensed).not.toContain('SUMMARY TEXT'); // the log around it already says what it summarised
    expect(condensed).toContain('Done.');
  });
});
