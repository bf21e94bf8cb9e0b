/**
 * The demo's story (scripts/lib/demo/acts.ts, the acts `npm run demo` runs) against the test dev server, a real
 * worker with the repo's agents, and the scripted model playing scenarios/demo.json without its delays.
 */
import path from 'node:path';
import { evaluationResults, storyProblems, tellTheStory, type Story } from '../../scripts/lib/demo/acts';
import { renderSummary } from '../../scripts/lib/demo/summary';
import type { SessionEvent } from '../../src/domain/events';
import { loadScenarioFile } from '../../src/scripted-model/scenario';
import { systemText } from '../../src/scripted-model/server';
import { startSessionHarness, type SessionHarness } from '../helpers/session';

const SCENARIO = path.resolve(__dirname, '..', '..', 'scenarios', 'demo.json');
const LESSON_PATH = '/lessons/action-items.md';

describe('npm run demo: the story', () => {
  let harness: SessionHarness;
  let story: Story;
  let output = '';

  beforeAll(async () => {
    harness = await startSessionHarness({ ...loadScenarioFile(SCENARIO), default_delay_ms: 0 });
    story = await tellTheStory({
      lucid: harness.lucid,
      stdout: { write: (text: string) => (output += text) },
      dreamModel: 'claude-sonnet-4-6',
      reviewer: 'demo-test',
    });
  });
  afterAll(async () => harness?.close());

  it('plays every model request from the script and ends every act as it should', () => {
    const unmatched = harness.model.requests.filter((request) => request.rule_index === null);
    expect(unmatched).toEqual([]);
    expect(storyProblems(story)).toEqual([]);
  });

  it('act 1: the lead delegates to two sub-agents that run at the same time', () => {
    const created = ofType(story.team.events, 'session.thread_created');
    expect(created.map((event) => event.agent_name).sort()).toEqual(['checker', 'scribe']);
    expect(story.team.threadSessionIds).toHaveLength(2);
    // Both threads were running before either finished its first task.
    const types = story.team.events.map((event) => event.type);
    const firstIdle = types.indexOf('session.thread_status_idle');
    expect(types.slice(0, firstIdle).filter((type) => type === 'session.thread_status_running')).toHaveLength(2);
    expect(output).toContain('2 threads were running at the same time');
  });

  it('act 2: the grader sends the first draft back and passes the revision, criterion by criterion', () => {
    expect(evaluationResults(story.team.events)).toEqual(['needs_revision', 'satisfied']);
    const [first] = ofType(story.team.events, 'span.outcome_evaluation_end');
    expect(first.criteria.map((criterion) => criterion.met)).toEqual([true, false, true]);
    expect(output).toContain('✗ Every action item ends with its due date as YYYY-MM-DD');
  });

  it('act 3: the dream proposes one memory, shown as a diff, and applies it once approved', async () => {
    const dream = story.dream.dream!;
    expect(dream.status).toBe('completed');
    expect([...dream.session_ids].sort()).toEqual([story.team.sessionId, ...story.team.threadSessionIds].sort());
    expect(dream.changes).toEqual([
      expect.objectContaining({
        op: 'add',
        path: LESSON_PATH,
        support: 2,
        status: 'applied',
        decision: expect.objectContaining({ by: 'demo-test' }),
      }),
    ]);
    expect(output).toContain(`+++ b${LESSON_PATH}`);
    const stored = await harness.lucid.storage.memory.getMemoryByPath(story.dream.store.id, LESSON_PATH);
    expect(stored.content).toContain('YYYY-MM-DD');
  });

  it('act 4: the last session starts with the lesson in its memory, uses it, and passes at once', () => {
    expect(story.lesson.memories.map((memory) => memory.path)).toEqual([LESSON_PATH]);
    const lesson = story.lesson.memories[0].content!;
    const requestsWithLesson = harness.model.requests.filter((request) => systemText(request.body).includes(lesson));
    expect(requestsWithLesson.length).toBeGreaterThanOrEqual(3); // every turn of the last session
    const messages = ofType(story.lesson.events, 'agent.message').map((event) => event.content[0].text);
    expect(messages[0]).toContain(LESSON_PATH);
    expect(evaluationResults(story.lesson.events)).toEqual(['satisfied']);
  });

  it('sums up with a Temporal UI link for every workflow it started', () => {
    const summary = renderSummary(story, 'http://localhost:8233/namespaces/default').join('\n');
    const ids = [story.team.sessionId, ...story.team.threadSessionIds, story.dream.dreamId, story.lesson.sessionId];
    for (const id of ids)
      expect(summary).toContain(`http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(id)}`);
    expect(summary).toContain('needs_revision → satisfied');
  });
});

function ofType<T extends SessionEvent['type']>(events: readonly SessionEvent[], type: T) {
  return events.filter((event): event is Extract<SessionEvent, { type: T }> => event.type === type);
}
