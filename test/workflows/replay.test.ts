/**
 * Determinism guard: recorded histories of the session and dream workflows must replay against today's workflow
 * code (among them every run of a session that continued-as-new, a dream cut while it awaits review, and sessions
 * that waited on a user's answer or called a team's activity).
 * The checked-in histories (npm run record-histories) catch changes that would break sessions already running;
 * the freshly recorded one catches non-determinism in new code paths.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { DREAM_HISTORY_SCENARIOS, HISTORY_SCENARIOS } from '../fixtures/history-scenarios';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { workflowBundle } from '../helpers/temporal';

const historiesDir = path.join(__dirname, '..', 'fixtures', 'histories');

/** The recording script names each workflow `replay-<scenario>`; `<scenario>.run-2.json` is a later run of it. */
function workflowIdOf(file: string): string {
  return `replay-${file.replace(/\.json$/, '').replace(/\.run-\d+$/, '')}`;
}

interface RecordedEvent {
  eventType: string;
  workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest: { input: { name: string } } };
  activityTaskScheduledEventAttributes?: { activityType: { name: string }; taskQueue: { name: string } };
}

function recordedEvents(file: string): RecordedEvent[] {
  return (JSON.parse(fs.readFileSync(path.join(historiesDir, file), 'utf8')) as { events: RecordedEvent[] }).events;
}

function eventTypes(file: string): string[] {
  return recordedEvents(file).map((event) => event.eventType);
}

/** The names of the Updates a history accepted, in order. */
function acceptedUpdates(file: string): string[] {
  return recordedEvents(file).flatMap((event) => {
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
    return accepted ? [accepted.acceptedRequest.input.name] : [];
  });
}

/** The activity types a history schedules, in order. */
function scheduledActivities(file: string): string[] {
  const json = JSON.parse(fs.readFileSync(path.join(historiesDir, file), 'utf8')) as {
    events: { activityTaskScheduledEventAttributes?: { activityType: { name: string } } }[];
  };
  return json.events.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType.name ?? []);
}

describe('replaying workflow histories', () => {
  it('replays every checked-in history without a determinism error', async () => {
    const files = fs.readdirSync(historiesDir).filter((name) => name.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(HISTORY_SCENARIOS.length + DREAM_HISTORY_SCENARIOS.length);
    // Replay needs the recorded workflow id (child ids derive from it).
    const histories = files.map((name) => ({
      workflowId: workflowIdOf(name),
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(historiesDir, name), 'utf8'))),
    }));
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle() }, histories)) {
      results.push({ workflowId: result.workflowId, error: result.error?.message });
    }
    expect(results).toEqual(histories.map(({ workflowId }) => ({ workflowId, error: undefined })));
  });

  it('holds every run of a session that continued-as-new, and a dream awaiting review', () => {
    expect(eventTypes('continued-as-new.json').at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    expect(eventTypes('continued-as-new.run-2.json')[0]).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
    expect(eventTypes('continued-as-new.run-3.json').at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    expect(eventTypes('continued-as-new-lead.json').at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    expect(eventTypes('continued-as-new-lead.run-2.json').at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    // Cut while the review deadline's timer runs: no decision, no completion yet.
    const dream = eventTypes('dream-awaiting-review.json');
    expect(dream.at(-1)).toBe('EVENT_TYPE_TIMER_STARTED');
    expect(dream).not.toContain('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
  });

  it('holds a dream from before evidence provenance and one after it, holding an untrusted change under auto', () => {
    expect(scheduledActivities('dream-awaiting-review.json')).not.toContain('classifyDreamEvidence');
    const activities = scheduledActivities('dream-auto-holding-untrusted.json');
    // Classified, the trusted change applied at once, then the review deadline's timer for the untrusted one.
    expect(activities.slice(activities.indexOf('classifyDreamEvidence'))).toEqual([
      'classifyDreamEvidence',
      'applyDreamChange',
      'saveDream',
    ]);
    expect(eventTypes('dream-auto-holding-untrusted.json').at(-1)).toBe('EVENT_TYPE_TIMER_STARTED');
  });

  it('holds sessions that waited on a user: a custom tool result, a confirmation allowed and one denied', () => {
    expect(acceptedUpdates('custom-tool-result.json')).toEqual(['user.custom_tool_result']);
    for (const file of ['confirmation-allowed.json', 'confirmation-denied.json']) {
      expect(acceptedUpdates(file)).toEqual(['user.tool_confirmation']);
      expect(eventTypes(file).at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    }
    const activities = (file: string) =>
      recordedEvents(file).flatMap((event) => {
        const scheduled = event.activityTaskScheduledEventAttributes;
        return scheduled ? [`${scheduled.activityType.name} on ${scheduled.taskQueue.name}`] : [];
      });
    // Allowed, the write ran (runTool); denied, it never did.
    expect(activities('confirmation-allowed.json')).toContain('runTool on lucid-record');
    expect(activities('confirmation-denied.json')).not.toContain('runTool on lucid-record');
    // A temporal_activity tool: the team's activity on the team's queue.
    expect(activities('temporal-activity-tool.json')).toContain('createTicket on replay-tickets');
  });

  describe('a freshly recorded session', () => {
    let harness: SessionHarness;
    beforeAll(async () => {
      harness = await startSessionHarness(HISTORY_SCENARIOS[0].scenario);
    });
    afterAll(async () => harness?.close());

    it('replays its own history', async () => {
      const sessionId = await harness.lucid.startSession(HISTORY_SCENARIOS[0].input);
      await harness.lucid.result(sessionId);
      const history = await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory();
      await expect(
        Worker.runReplayHistory({ workflowBundle: workflowBundle() }, history, sessionId),
      ).resolves.toBeUndefined();
    });
  });
});
