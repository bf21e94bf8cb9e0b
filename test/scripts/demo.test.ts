/**
 * The demo's story (scripts/lib/demo/acts.ts, the acts `npm run demo` runs) against the test dev server, a real
 * worker with the repo's agents, the scripted model playing scenarios/demo.json without its delays, and the HTTP
 * API on that worker's storage, which act 6 drives with the official SDK.
 */
import fs from 'node:fs';
import path from 'node:path';
import { evaluationResults, storyProblems, tellTheStory, type Story } from '../../scripts/lib/demo/acts';
import { CONCIERGE_QUESTION } from '../../scripts/lib/demo/materials';
import { renderSummary } from '../../scripts/lib/demo/summary';
import type { SessionEvent } from '../../src/domain/events';
import { loadScenarioFile } from '../../src/scripted-model/scenario';
import { systemText } from '../../src/scripted-model/server';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { readDocx } from '../helpers/docx';
import { startSessionHarness, type SessionHarness } from '../helpers/session';

const SCENARIO = path.resolve(__dirname, '..', '..', 'scenarios', 'demo.json');
const LESSON_PATH = '/lessons/action-items.md';

describe('npm run demo: the story', () => {
  let harness: SessionHarness;
  let server: TestApiServer;
  let story: Story;
  let output = '';

  beforeAll(async () => {
    harness = await startSessionHarness({ ...loadScenarioFile(SCENARIO), default_delay_ms: 0 });
    server = await startTestApiServer({ lucid: harness.lucid });
    story = await tellTheStory({
      lucid: harness.lucid,
      api: { baseURL: server.baseURL, apiKey: TEST_API_KEY },
      stdout: { write: (text: string) => (output += text) },
      dreamModel: 'claude-sonnet-4-6',
      reviewer: 'demo-test',
    });
  });
  afterAll(async () => {
    await server?.close();
    await harness?.close();
  });

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

  describe('act 5: the analyst writes a Python script and runs it in the sandboxed shell', () => {
    let expected: SalesFigures;
    beforeAll(() => {
      expected = salesFigures(fs.readFileSync(path.join(story.report.workspace, 'sales.csv'), 'utf8'));
    });

    it('writes the script, runs it with bash, shows the report, and quotes the total it computed', () => {
      const calls = ofType(story.report.events, 'agent.tool_use').map((event) => [event.name, event.input]);
      expect(calls).toEqual([
        ['write', expect.objectContaining({ file_path: 'make_report.py' })],
        ['bash', { command: 'python3 make_report.py && ls -l report.*' }],
        ['bash', { command: 'cat report.md' }],
      ]);
      const results = ofType(story.report.events, 'agent.tool_result');
      expect(results.map((event) => event.is_error)).toEqual([false, false, false]);
      expect(results[2].content[0].text).toContain(`Total revenue: **${expected.total}**`);
      const messages = ofType(story.report.events, 'agent.message').map((event) => event.content[0].text);
      expect(messages.at(-1)).toContain(`total revenue ${expected.total}, best month ${expected.bestMonth}`);
    });

    it('gets the figures from the real Python, not from the script the model plays', () => {
      const scenario = fs.readFileSync(SCENARIO, 'utf8');
      for (const figure of [expected.total, ...expected.regions.map((region) => region.revenue)])
        expect(scenario).not.toContain(figure);
    });

    it('report.md has the total, the best month and every region, as computed here from sales.csv', () => {
      const report = fs.readFileSync(path.join(story.report.workspace, 'report.md'), 'utf8');
      expect(report).toContain(`Total revenue: **${expected.total}**`);
      expect(report).toContain(`Best month: **${expected.bestMonth}**`);
      for (const { region, units, revenue } of expected.regions)
        expect(report).toContain(`| ${region} | ${units} | ${revenue} |`);
      expect(output).toContain(`Total revenue: **${expected.total}**`); // the demo prints the report
    });

    it('report.docx is a well-formed Word document with the same figures and a table of the regions', () => {
      const docx = readDocx(path.join(story.report.workspace, 'report.docx'));
      expect(docx.parts).toEqual(expect.arrayContaining(['[Content_Types].xml', '_rels/.rels', 'word/document.xml']));
      expect(docx.mainDocument).toBe('word/document.xml');
      expect(docx.contentTypes['/word/document.xml']).toBe(
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
      );
      expect(docx.paragraphs).toContain(`Total revenue: ${expected.total}`);
      expect(docx.paragraphs.some((text) => text.startsWith(`Best month: ${expected.bestMonth}`))).toBe(true);
      expect(docx.tableRows).toEqual([
        ['Region', 'Units', 'Revenue'],
        ...expected.regions.map(({ region, units, revenue }) => [region, String(units), revenue]),
      ]);
    });
  });

  it('act 6: the official SDK creates an agent and a session with the memory, and streams its answer until idle', () => {
    const { events, session } = story.sdk;
    expect(events.map((event) => event.type)).toEqual([
      'user.message',
      'session.status_running',
      'span.model_request_start',
      'agent.message',
      'span.model_request_end',
      'session.status_idle',
    ]);
    expect(events[0]).toMatchObject({ content: [{ type: 'text', text: CONCIERGE_QUESTION }] });
    expect(events[3]).toMatchObject({ content: [{ type: 'text', text: expect.stringContaining(LESSON_PATH) }] });
    expect(session).toMatchObject({ id: story.sdk.sessionId, status: 'idle', agent: { id: story.sdk.agentId } });
    expect(session.resources).toEqual([
      expect.objectContaining({ type: 'memory_store', memory_store_id: story.dream.store.id, access: 'read_only' }),
    ]);
    // The concierge's system prompt held the lesson the dream wrote: it was read from the attached store.
    const lesson = story.lesson.memories[0].content!;
    const concierge = harness.model.requests.filter((request) =>
      systemText(request.body).includes('You are Concierge'),
    );
    expect(concierge).toHaveLength(1);
    expect(systemText(concierge[0].body)).toContain(lesson);
    expect(output).toContain(`client.beta.sessions.archive → archived at`);
    expect(output).toContain('await client.beta.sessions.events.send(session.id, { events: [hello] });'); // the README snippet
  });

  it('sums up with a Temporal UI link for every workflow it started', () => {
    const summary = renderSummary(story, 'http://localhost:8233/namespaces/default').join('\n');
    const ids = [
      story.team.sessionId,
      ...story.team.threadSessionIds,
      story.dream.dreamId,
      story.lesson.sessionId,
      story.report.sessionId,
      story.sdk.sessionId,
    ];
    for (const id of ids)
      expect(summary).toContain(`http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(id)}`);
    expect(summary).toContain('needs_revision → satisfied');
    expect(summary).toContain('(analyst) ran 2 bash commands in its sandbox: report.md, report.docx');
  });
});

interface SalesFigures {
  /** Amounts as the report writes them: `15,179.05`. */
  total: string;
  bestMonth: string;
  /** By region name. */
  regions: Array<{ region: string; units: number; revenue: string }>;
}

/** Act 5's figures, worked out here from the CSV on their own (in cents, so the sums are exact). */
function salesFigures(csv: string): SalesFigures {
  const [header, ...lines] = csv.trimEnd().split('\n');
  expect(header).toBe('region,month,units,price');
  const byRegion = new Map<string, { units: number; cents: number }>();
  const byMonth = new Map<string, number>();
  let totalCents = 0;
  for (const line of lines) {
    const [region, month, units, price] = line.split(',');
    const cents = Number(units) * Math.round(Number(price) * 100);
    const sums = byRegion.get(region) ?? { units: 0, cents: 0 };
    byRegion.set(region, { units: sums.units + Number(units), cents: sums.cents + cents });
    byMonth.set(month, (byMonth.get(month) ?? 0) + cents);
    totalCents += cents;
  }
  const [bestMonth] = [...byMonth].reduce((best, month) => (month[1] > best[1] ? month : best));
  const regions = [...byRegion]
    .sort(([a], [b]) => (a < b ? -1 : 1)) // code point order, as Python's sorted()
    .map(([region, sums]) => ({ region, units: sums.units, revenue: money(sums.cents) }));
  return { total: money(totalCents), bestMonth, regions };
}

function money(cents: number): string {
  return `${Math.floor(cents / 100).toLocaleString('en-US')}.${String(cents % 100).padStart(2, '0')}`;
}

function ofType<T extends SessionEvent['type']>(events: readonly SessionEvent[], type: T) {
  return events.filter((event): event is Extract<SessionEvent, { type: T }> => event.type === type);
}
