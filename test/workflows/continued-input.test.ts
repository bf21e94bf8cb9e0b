/**
 * `{"continued": SessionState}` sent by a caller is validated like any session input, on a real dev server: a bad
 * state fails the workflow in its first task with a readable non-retryable error, while the frozen state of a
 * real continue-as-new (with the event log it points past) carries on where that session left off.
 */
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import type { SessionEvent } from '../../src/domain/events';
import {
  expectWellFormedLog,
  startSessionHarness,
  startWithTemporalCli,
  type SessionHarness,
} from '../helpers/session';
import { tempDir } from '../helpers/temporal';

const fixtures = path.join(__dirname, '..', 'fixtures', 'continued-session');
const readJson = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(fixtures, name), 'utf8'));

/** The frozen v1 state, moved to a new session id (a state is only accepted by its own session). */
function continuedFixture(sessionId: string, change: (state: Record<string, unknown>) => void = () => {}) {
  const fixture = readJson('v1.json') as { continued: Record<string, unknown> };
  fixture.continued.sessionId = sessionId;
  change(fixture.continued);
  return fixture;
}

async function failureOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const error = await handle.result().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('a session started from continued state', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({
      rules: [
        {
          match: {},
          times: 1,
          reply: {
            content: [{ type: 'tool_use', name: 'write_file', input: { path: 'note-4.md', content: 'note 4' } }],
          },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Four notes written.' }] } },
      ],
    });
  });
  afterAll(async () => harness?.close());

  it.each([
    [
      'a state that fails its schema',
      (state: Record<string, unknown>) => (state.nextSeq = 0),
      'continued.nextSeq: Too small',
    ],
    [
      'a state of a newer version',
      (state: Record<string, unknown>) => (state.version = 5),
      'continued.version: version 5',
    ],
    [
      "another session's state",
      (state: Record<string, unknown>) => (state.sessionId = 'sesn_someone_else'),
      'continued.sessionId: "sesn_someone_else" is not this session',
    ],
  ])('fails at once, non-retryable, on %s', async (_name, change, reason) => {
    const sessionId = `continued-invalid-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const handle = startWithTemporalCli(harness, sessionId, continuedFixture(sessionId, change));
    const failure = await failureOf(handle);
    expect(failure.type).toBe('InvalidSessionInput');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(`invalid continued session state: ${reason}`);
    const history = await handle.fetchHistory();
    // Failed in the first workflow task: no activity was scheduled and no task was retried.
    expect(history.events?.some((event) => event.activityTaskScheduledEventAttributes)).toBe(false);
    expect(history.events?.some((event) => event.workflowTaskFailedEventAttributes)).toBe(false);
  });

  it('carries on from the frozen state of a real continue-as-new, with the conversation it points past', async () => {
    const sessionId = `continued-valid-${Date.now()}`;
    const workspace = tempDir('lucid-continued-');
    const earlier = readJson('v1-events.json') as SessionEvent[];
    await harness.store.appendEvents(sessionId, earlier);
    const fixture = continuedFixture(sessionId, (state) => (state.workspace = workspace));
    expect(fixture.continued.nextSeq).toBe(earlier.length + 1);

    const requestsBefore = harness.model.requests.length;
    const handle = startWithTemporalCli(harness, sessionId, fixture);
    const snapshot = await harness.lucid.result(handle.workflowId);
    expect(snapshot).toMatchObject({
      status: 'terminated',
      stop_reason: { type: 'end_turn' },
      final_message: 'Four notes written.',
      turns: (fixture.continued.turns as number) + 2,
    });
    expect(fs.readFileSync(path.join(workspace, 'note-4.md'), 'utf8')).toBe('note 4');
    // The new run's first model request carried the conversation from before continue-as-new.
    const [first] = harness.model.requests.slice(requestsBefore);
    expect(JSON.stringify(first.body.messages)).toContain('Created note-3.md');
    const events = await harness.store.readEvents(sessionId);
    expectWellFormedLog(events, snapshot.event_count);
    expect(events.slice(0, earlier.length)).toEqual(earlier);
  });
});
