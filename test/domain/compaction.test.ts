import {
  compactedRange,
  compactionSystemPrompt,
  COMPACTION_SYSTEM_PROMPT,
  cutCandidates,
  preferredCuts,
  summaryRequestText,
} from '../../src/domain/compaction';
import type { SessionEventBody } from '../../src/domain/events';
import { log, text, usage } from '../helpers/event-bodies';
import { buildTranscript } from '../../src/domain/transcript';
import { renderEvent } from '../../src/cli/render-event';

/** One model request that reads a file, and its result: four events. */
function readTurn(id: string, content: string): SessionEventBody[] {
  return [
    { type: 'span.model_request_start', model: 'm' },
    { type: 'agent.tool_use', tool_use_id: id, name: 'read_file', input: { path: `${id}.txt` } },
    { type: 'span.model_request_end', model_request_start_id: 'x', is_error: false, model_usage: usage },
    { type: 'agent.tool_result', tool_use_id: id, content: text(content), is_error: false },
  ];
}

// seq 1: the task; 2–5, 6–9, 10–13: three turns that each read a file.
const threeTurns = log(
  { type: 'user.message', content: text('Read the three files') },
  ...readTurn('t1', 'ONE'),
  ...readTurn('t2', 'TWO'),
  ...readTurn('t3', 'THREE'),
);

const summary = (from: number, through: number, value: string): SessionEventBody => ({
  type: 'agent.thread_context_compacted',
  compacted_from_seq: from,
  compacted_through_seq: through,
  tokens_before: 900,
  tokens_after: 300,
  summary: text(value),
});

describe('where a summary may end', () => {
  it('cuts only between whole exchanges: at model requests and user messages with every tool call answered', () => {
    expect(cutCandidates(threeTurns)).toEqual([2, 6, 10]);
  });

  it('never cuts inside a request span or before an unanswered tool call', () => {
    const events = log(
      { type: 'user.message', content: text('go') },
      { type: 'span.model_request_start', model: 'm' },
      { type: 'agent.tool_use', tool_use_id: 'a', name: 'read_file', input: {} },
      { type: 'user.message', content: text('arrived mid-request') },
      { type: 'span.model_request_end', model_request_start_id: 'e2', is_error: false, model_usage: usage },
      { type: 'user.message', content: text('arrived before the result') },
      { type: 'agent.tool_result', tool_use_id: 'a', content: text('A'), is_error: false },
      { type: 'user.message', content: text('after the result') },
    );
    expect(cutCandidates(events)).toEqual([2, 8]);
  });

  it('prefers the cut that keeps the newest turns whole, then those that keep less', () => {
    expect(preferredCuts(threeTurns, 2)).toEqual([6, 10]);
    expect(preferredCuts(threeTurns, 1)).toEqual([10]);
    expect(compactedRange(threeTurns, 6)).toEqual({ from: 1, through: 5 });
  });

  it('after a summary, cuts only in the events after it and starts the next range where the last one ended', () => {
    const events = [...threeTurns, ...log(summary(1, 5, 'S1')).map((e) => ({ ...e, seq: 14, id: 'e14' }))];
    const more = [
      ...events,
      ...log(...readTurn('t4', 'FOUR')).map((e, i) => ({ ...e, seq: 15 + i, id: `e${15 + i}` })),
    ];
    expect(cutCandidates(more)).toEqual([15]);
    expect(compactedRange(more, 15)).toEqual({ from: 6, through: 14 });
  });
});

describe('the summary request', () => {
  it("adds the agent's instructions to Lucid's system prompt", () => {
    expect(compactionSystemPrompt()).toBe(COMPACTION_SYSTEM_PROMPT);
    expect(compactionSystemPrompt('Keep every file path.')).toContain('Keep every file path.');
  });

  it('renders the summarised range as text, the earlier summary first, the oldest entries dropped past the limit', () => {
    const events = [...threeTurns, { ...log(summary(1, 5, 'EARLIER'))[0], seq: 14, id: 'e14' }];
    const full = summaryRequestText(events, 9, 100_000);
    expect(full).toContain('[earlier summary]\nEARLIER');
    expect(full).toContain('TWO');
    expect(full).not.toContain('ONE'); // before the earlier summary's end
    const short = summaryRequestText(threeTurns, 13, 120);
    expect(short).toContain('THREE');
    expect(short).toMatch(/\[\d+ older entries left out\]/);
  });
});

describe('buildTranscript after a compaction', () => {
  it('starts with the newest summary as a user context block and goes on after its range', () => {
    const events = [...threeTurns, { ...log(summary(1, 9, 'They read ONE and TWO.'))[0], seq: 14, id: 'e14' }];
    const messages = buildTranscript(events);
    expect(messages[0].role).toBe('user');
    const first = JSON.stringify(messages[0].content);
    expect(first).toContain('<context_summary>');
    expect(first).toContain('They read ONE and TWO.');
    expect(JSON.stringify(messages)).not.toContain('"ONE"');
    expect(messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'tool_use', id: 't3', name: 'read_file', input: { path: 't3.txt' } }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't3', content: [{ type: 'text', text: 'THREE' }], is_error: false },
        ],
      },
    ]);
  });

  it('uses only the newest of several summaries', () => {
    const events = [
      ...threeTurns,
      { ...log(summary(1, 5, 'FIRST'))[0], seq: 14, id: 'e14' },
      { ...log(summary(6, 9, 'SECOND'))[0], seq: 15, id: 'e15' },
    ];
    const all = JSON.stringify(buildTranscript(events));
    expect(all).toContain('SECOND');
    expect(all).not.toContain('FIRST');
  });

  it('merges a kept user message into the summary message, keeping roles alternating', () => {
    const events = log(
      { type: 'user.message', content: text('old task') },
      ...readTurn('t1', 'ONE'),
      { type: 'session.status_idle', stop_reason: { type: 'end_turn' }, stop_details: null },
      { type: 'user.message', content: text('new task') },
      summary(1, 6, 'Did the old task.'),
    );
    const messages = buildTranscript(events);
    expect(messages).toHaveLength(1);
    expect(JSON.stringify(messages[0].content)).toContain('new task');
  });
});

describe('the CLI', () => {
  it('shows a compaction as one line with its range and sizes', () => {
    const [event] = log(summary(1, 9, 'S'));
    expect(renderEvent(event)).toContain('compacted events 1–9 into a summary: ~900 → ~300 tokens');
  });
});
