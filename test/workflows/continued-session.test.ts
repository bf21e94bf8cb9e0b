/**
 * readContinuedSession against the frozen continued-state fixtures: a state captured from a real continue-as-new
 * reads back unchanged, an older version-1 shape is migrated, and bad states are refused with a readable reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readContinuedSession } from '../../src/workflows/continued-session';

const fixtures = path.join(__dirname, '..', 'fixtures');
const readJson = (...parts: string[]): unknown => JSON.parse(fs.readFileSync(path.join(fixtures, ...parts), 'utf8'));
const v1 = () => readJson('continued-session', 'v1.json') as { continued: Record<string, unknown> };

interface RecordedEvent {
  workflowExecutionStartedEventAttributes?: { input: { payloads: Array<{ data: string }> } };
  workflowExecutionContinuedAsNewEventAttributes?: { input: { payloads: Array<{ data: string }> } };
}

/** The input of a run as its recorded history holds it: the start event's, or the one it continued-as-new with. */
function recordedInput(history: string, event: 'first-start' | 'last-continued-as-new'): unknown {
  const { events } = readJson('histories', history) as { events: RecordedEvent[] };
  const attributes =
    event === 'first-start'
      ? events[0].workflowExecutionStartedEventAttributes
      : events[events.length - 1].workflowExecutionContinuedAsNewEventAttributes;
  if (!attributes) throw new Error(`${history} has no ${event} event`);
  return JSON.parse(Buffer.from(attributes.input.payloads[0].data, 'base64').toString('utf8'));
}

/**
 * What version 2 added (the context of clearing old tool results), as a session that never cleared has it, and
 * versions 3 and 4 (an optional lifecycle and allowlist, absent for a keep-alive session on the worker's network).
 */
function upgradedToV4(state: Record<string, unknown>): Record<string, unknown> {
  const context = { cleared_through_seq: 0, previous_request_tokens: 0, added_tokens: 0, tool_results: [] };
  return { ...state, version: 4, context };
}

function errorOf(raw: unknown): string {
  const read = readContinuedSession(raw);
  if (read.ok) throw new Error('expected the state to be refused');
  return read.error;
}

function withState(change: (state: Record<string, unknown>) => void): unknown {
  const fixture = v1();
  change(fixture.continued);
  return fixture;
}

describe('readContinuedSession', () => {
  it.each([
    ['v1.json', 'continued-as-new'],
    ['v1-lead.json', 'continued-as-new-lead'],
    ['v2-context.json', 'context-clearing'],
  ])('%s is what a real session handed its next run, and what that run started from', (fixture, history) => {
    const handedOver = recordedInput(`${history}.json`, 'last-continued-as-new');
    expect(readJson('continued-session', fixture)).toEqual(handedOver);
    expect(recordedInput(`${history}.run-2.json`, 'first-start')).toEqual(handedOver);
  });

  it.each(['v1.json', 'v1-lead.json'])(
    'reads the version-1 state %s as written, upgraded to version 4 with nothing cleared',
    (fixture) => {
      const written = readJson('continued-session', fixture) as { continued: Record<string, unknown> };
      expect(readContinuedSession(written)).toEqual({ ok: true, state: upgradedToV4(written.continued) });
    },
  );

  it('reads the version-2 state v2-context.json back as it was written, watermark and all, as version 4', () => {
    const written = readJson('continued-session', 'v2-context.json') as { continued: Record<string, unknown> };
    const read = readContinuedSession(written);
    expect(read).toEqual({ ok: true, state: { ...written.continued, version: 4 } });
    expect(read.ok && read.state.context.cleared_through_seq).toBeGreaterThan(0);
  });

  it("keeps a version-4 state's allowlist (its environment's network) across continue-as-new", () => {
    const written = readJson('continued-session', 'v2-context.json') as { continued: Record<string, unknown> };
    const state = { ...written.continued, version: 4, allowedHosts: ['pypi.org'] };
    expect(readContinuedSession({ continued: state })).toEqual({ ok: true, state });
    const bad = { continued: { ...state, allowedHosts: [''] } };
    expect(errorOf(bad)).toContain('continued.allowedHosts.0');
  });

  it('reads the outcome, thread and memory store a lead carried across continue-as-new', () => {
    const read = readContinuedSession(readJson('continued-session', 'v1-lead.json'));
    if (!read.ok) throw new Error(read.error);
    expect(read.state.outcomes[0].evaluation).toMatchObject({ result: 'running', iteration: 0 });
    expect(read.state.threads.records[0]).toMatchObject({ agent_name: 'helper', status: 'idle', sent: 1 });
    expect(read.state.memory.stores[0]).toMatchObject({ name: 'lead lessons', access: 'read_write' });
  });

  it('migrates a version-1 state from before outcomes, threads and memory to the full shape', () => {
    const early = readJson('continued-session', 'v1-before-outcomes.json') as { continued: Record<string, unknown> };
    expect(early.continued).not.toHaveProperty('threads');
    const read = readContinuedSession(early);
    expect(read).toEqual({ ok: true, state: upgradedToV4(v1().continued) });
  });

  it('keeps fields of nested records it does not list (another module may have added them)', () => {
    const read = readContinuedSession(
      withState((state) => {
        (state.threads as Record<string, unknown>).records = [
          {
            thread_id: 'sthr_1',
            session_id: 's/sthr_1',
            agent_name: 'helper',
            status: 'idle',
            sent: 1,
            report: null,
            note: 'x',
          },
        ];
      }),
    );
    expect(read.ok && read.state.threads.records[0]).toMatchObject({ thread_id: 'sthr_1', note: 'x' });
  });

  it.each([
    ['no object at all', null, '(input): Invalid input: expected object, received null'],
    ['no continued state', {}, 'continued: Invalid input: expected object, received undefined'],
    [
      'a state without a version',
      { continued: {} },
      'continued.version: a continued session state needs a numeric version',
    ],
    [
      'a newer version',
      withState((state) => (state.version = 5)),
      'continued.version: version 5 was written by a newer Lucid',
    ],
    ['a bad nextSeq', withState((state) => (state.nextSeq = 0)), 'continued.nextSeq: Too small'],
    ['an unknown status', withState((state) => (state.status = 'sleeping')), 'continued.status: Invalid option'],
    ['a missing agent', withState((state) => delete state.agent), 'continued.agent: Invalid input: expected object'],
    ['a misspelt field', withState((state) => (state.nextseq = 3)), 'continued: Unrecognized key: "nextseq"'],
    ['a key beside continued', { ...v1(), agent: 'x' }, '(input): Unrecognized key: "agent"'],
    [
      'a bad thread record',
      withState((state) => ((state.threads as Record<string, unknown>).records = [{ thread_id: 'sthr_1' }])),
      'continued.threads.records.0.session_id: Invalid input: expected string, received undefined',
    ],
  ])('refuses %s with a readable reason', (_name, raw, reason) => {
    expect(errorOf(raw)).toContain(reason);
  });
});
