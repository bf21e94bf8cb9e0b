/**
 * The demo's story in five acts, each a function that starts real workflows through the LucidClient and prints
 * what happens as it happens, reusing the CLI's renderers:
 *
 * 1. a lead agent (`coordinator`) delegates two pieces of a job to two sub-agents, which run in parallel;
 * 2. the lead's outcome is graded: the grader sends the first draft back, the lead has it revised, the grader
 *    passes it, each verdict with its per-criterion findings;
 * 3. a dream over those sessions proposes a change to a memory store, shown as a diff, and approved as
 *    `lucid dreams review` approves it;
 * 4. a last session starts with that memory attached and gets the convention right the first time;
 * 5. an analyst does work a text editor cannot: it writes a Python script that turns a CSV into figures, a
 *    Markdown report and a Word document, and runs it with `bash` in the worker's sandboxed shell;
 * 6. the official Anthropic SDK, over the HTTP API, creates an agent and a session with that memory attached and
 *    streams its answer (./sdk-act.ts).
 *
 * Acts 1 and 2 are one session: the outcome is part of the lead's job. scripts/demo.ts sets the stage (Temporal,
 * a worker, a model, the HTTP API) and calls {@link tellTheStory}; test/scripts/demo.test.ts calls it on the test server.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LucidClient } from '../../../src/client';
import { EventPrinter } from '../../../src/cli/event-printer';
import { describeCriteria, describeEvaluation } from '../../../src/cli/render-outcome';
import { renderChange } from '../../../src/cli/render-dream';
import { renderThreadTree } from '../../../src/cli/render-thread-tree';
import { SessionEndingTracker, type SessionEnding } from '../../../src/cli/session-ending';
import { buildThreadTree } from '../../../src/cli/thread-tree';
import { plural } from '../../../src/cli/text';
import { finalSnapshot } from '../../../src/cli/watch-session';
import type { Dream } from '../../../src/domain/dream';
import { textOf, type SessionEvent, type SessionSnapshot } from '../../../src/domain/events';
import type { Memory, MemoryStore } from '../../../src/memory/memory-store';
import {
  DELIVERABLE,
  DREAM_INSTRUCTIONS,
  MEMORY_STORE,
  REPORT_FILES,
  REPORT_TASK,
  RETRO_NOTES,
  RETRO_OUTCOME,
  RETRO_TASK,
  SALES_FILES,
  TEAM_OUTCOME,
  TEAM_TASK,
  WEEK_NOTES,
} from './materials';
import { heading, indent, print, say, subheading, type Output } from './output';
import { sdkActProblems, sessionOverHttp, type ApiAccess, type SdkResult } from './sdk-act';

/** What every act needs. */
export interface Stage extends Output {
  /** The client; its `storage` is the worker's (memory stores, workspaces). */
  lucid: LucidClient;
  /** The HTTP API serving that client's Temporal and storage: act 6 drives it with the official SDK. */
  api: ApiAccess;
  /** The model the dream reflects and consolidates with. */
  dreamModel: string;
  /** Who approves the dream's change, as `lucid dreams review --by` would name them. */
  reviewer: string;
}

/** One session as an act ran it. */
export interface ActSession {
  sessionId: string;
  snapshot: SessionSnapshot | null;
  events: SessionEvent[];
  ending: SessionEnding;
}

export interface TeamResult extends ActSession {
  /** The threads' own session ids (`<lead id>/<sthr_ id>`). */
  threadSessionIds: string[];
}

export interface DreamResult {
  dreamId: string;
  store: MemoryStore;
  /** The dream as it ended (null when it never reached an end). */
  dream: Dream | null;
}

export interface LessonResult extends ActSession {
  /** The memories the session started with. */
  memories: Memory[];
}

export interface ReportResult extends ActSession {
  /** Where the analyst worked: sales.csv, its script and the reports it made. */
  workspace: string;
}

export interface Story {
  team: TeamResult;
  dream: DreamResult;
  lesson: LessonResult;
  report: ReportResult;
  sdk: SdkResult;
}

/** The whole story; each act prints as it goes. */
export async function tellTheStory(stage: Stage): Promise<Story> {
  const team = await leadDelegatesAndIsGraded(stage);
  await showTheTeam(stage, team);
  showTheVerdicts(stage, team);
  showTheDeliverable(stage, team);
  const dream = await dreamOverTheSessions(stage, [team.sessionId, ...team.threadSessionIds]);
  const lesson = await sessionWithTheLesson(stage, dream.store);
  const report = await reportFromTheShell(stage);
  const sdk = await sessionOverHttp(stage, dream.store);
  return { team, dream, lesson, report, sdk };
}

/** Did every act end as it should: sessions finished normally, the dream completed, every outcome satisfied. */
export function storyProblems({ team, dream, lesson, report, sdk }: Story): string[] {
  const problems: string[] = [];
  if (!team.ending.ok) problems.push(`the team's session did not end normally: ${team.ending.reason}`);
  if (dream.dream?.status !== 'completed')
    problems.push(`the dream did not complete (${dream.dream?.status ?? 'no record'})`);
  if (!lesson.ending.ok) problems.push(`the last session did not end normally: ${lesson.ending.reason}`);
  for (const [name, act] of [
    ['team', team],
    ['last', lesson],
  ] as const) {
    const unmet = (act.snapshot?.outcome_evaluations ?? []).filter((evaluation) => evaluation.result !== 'satisfied');
    for (const evaluation of unmet) problems.push(`the ${name} session's outcome ended ${evaluation.result}`);
  }
  if (!report.ending.ok) problems.push(`the analyst's session did not end normally: ${report.ending.reason}`);
  const missing = Object.values(REPORT_FILES).filter((file) => !fs.existsSync(path.join(report.workspace, file)));
  if (missing.length > 0)
    problems.push(`the analyst made no ${missing.join(' or ')}: its bash results above say why (docs/tools.md)`);
  problems.push(...sdkActProblems(sdk));
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Acts 1 and 2: a lead, two sub-agents in parallel, and a grader that sends the first draft back
// ---------------------------------------------------------------------------------------------------------------

async function leadDelegatesAndIsGraded(stage: Stage): Promise<TeamResult> {
  heading(stage, 'Act 1 · A lead agent delegates to two sub-agents, which work in parallel');
  const workspace = seedWorkspace(stage, 'team', WEEK_NOTES);
  say(stage, `workspace ${workspace}: ${Object.keys(WEEK_NOTES).join(', ')}`);
  say(stage, `task for the coordinator: ${TEAM_TASK}`);
  say(stage, `outcome: ${TEAM_OUTCOME.description} (the rubric is hidden from the agents; only the grader has it)`);
  const sessionId = await stage.lucid.startSession({
    agent: 'coordinator',
    message: TEAM_TASK,
    workspace,
    outcome: TEAM_OUTCOME,
  });
  say(stage, `session ${sessionId} started; its events:\n`);
  const act = await watchAct(stage, sessionId, (event) =>
    event.type === 'span.outcome_evaluation_start' && event.iteration === 0
      ? 'Act 2 · The grader checks the outcome, sends the draft back, and the lead has it revised'
      : null,
  );
  const threadSessionIds = (act.snapshot?.threads ?? []).map((thread) => thread.session_id);
  return { ...act, threadSessionIds };
}

/** Act 1's result: the thread tree, as `lucid threads` shows it. */
async function showTheTeam(stage: Stage, team: TeamResult): Promise<void> {
  if (!team.snapshot) return;
  const tree = await buildThreadTree(team.snapshot, (sessionId) => stage.lucid.snapshot(sessionId));
  subheading(stage, 'The team (lucid threads)');
  print(stage, renderThreadTree(tree).join('\n'));
  const running = parallelThreads(team.events);
  say(stage, `${running} threads were running at the same time`);
}

/** Act 2's result: every evaluation with its per-criterion verdicts, in the CLI's words. */
function showTheVerdicts(stage: Stage, team: ActSession): void {
  subheading(stage, 'The verdicts');
  for (const event of team.events) {
    if (event.type !== 'span.outcome_evaluation_end') continue;
    print(stage, `${describeEvaluation(event.iteration, event.max_iterations)}: ${event.result}`);
    print(stage, indent(describeCriteria(event.criteria, 200).join('\n')));
  }
}

/** The file the outcome is about, as the grader last saw it. */
function showTheDeliverable(stage: Stage, act: ActSession): void {
  if (!act.snapshot) return;
  const file = path.join(act.snapshot.workspace, DELIVERABLE);
  if (!fs.existsSync(file)) return;
  subheading(stage, `${DELIVERABLE} as graded`);
  print(stage, indent(fs.readFileSync(file, 'utf8').trimEnd()));
}

// ---------------------------------------------------------------------------------------------------------------
// Act 3: a dream over those sessions, its change shown as a diff and approved by a person
// ---------------------------------------------------------------------------------------------------------------

async function dreamOverTheSessions(stage: Stage, sessionIds: string[]): Promise<DreamResult> {
  heading(stage, 'Act 3 · A dream reviews those sessions and proposes a memory; you approve it');
  const store = await stage.lucid.storage.memory.createStore({
    name: MEMORY_STORE.name,
    description: MEMORY_STORE.description,
  });
  say(stage, `memory store ${store.id} "${store.name}" (empty)`);
  const dreamId = await stage.lucid.startDream({
    memory_store_id: store.id,
    sessions: { type: 'session_ids', session_ids: sessionIds },
    model: stage.dreamModel,
    instructions: DREAM_INSTRUCTIONS,
    review: 'human',
    output_behavior: { type: 'update_existing' },
  });
  say(stage, `dream ${dreamId} started over ${sessionIds.length} sessions (the lead and its threads)`);
  const awaiting = await followDream(stage, dreamId, (dream) => dream.phase === 'awaiting_review' || !!dream.ended_at);
  const pending = awaiting?.changes.filter((change) => change.status === 'pending') ?? [];
  if (pending.length === 0) {
    say(stage, 'the dream proposed no change');
  } else {
    subheading(stage, `Proposed ${pending.length === 1 ? 'change' : 'changes'} (lucid dreams show ${dreamId})`);
    for (const change of pending) print(stage, renderChange(change).join('\n'));
    const changeIds = pending.map((change) => change.id);
    await approve(stage, dreamId, changeIds);
  }
  const dream = await stage.lucid.dreamResult(dreamId).catch(() => stage.lucid.dream(dreamId));
  for (const change of dream?.changes ?? [])
    say(stage, `${change.id} ${change.op} ${pathOf(change)}: ${change.status}`);
  return { dreamId, store, dream };
}

/** Approves as `lucid dreams review <id> --approve <change>` does: through the same client call. */
async function approve(stage: Stage, dreamId: string, changeIds: string[]): Promise<void> {
  for (const changeId of changeIds) {
    say(stage, `approving ${changeId} as ${stage.reviewer} (lucid dreams review ${dreamId} --approve ${changeId})`);
    await stage.lucid.approveChange(dreamId, {
      change_id: changeId,
      by: stage.reviewer,
      comment: 'approved in the demo',
    });
  }
}

/**
 * Says the dream's phase each time it changes, until `done` holds or its workflow is gone (terminated from
 * outside); the dream as last seen.
 */
async function followDream(stage: Stage, dreamId: string, done: (dream: Dream) => boolean): Promise<Dream | null> {
  let shown = '';
  for (;;) {
    const running = await stage.lucid.isRunning(dreamId);
    const dream = await stage.lucid.dream(dreamId);
    const state = dream ? `${dream.status} · phase ${dream.phase}` : '';
    if (dream && state !== shown) say(stage, `dream ${dream.id}: ${state}`);
    shown = state;
    if ((dream && done(dream)) || !running) return dream;
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Act 4: a new session that starts with the lesson in its memory
// ---------------------------------------------------------------------------------------------------------------

async function sessionWithTheLesson(stage: Stage, store: MemoryStore): Promise<LessonResult> {
  heading(stage, 'Act 4 · A new session starts with the lesson in its memory');
  const memories = await stage.lucid.storage.memory.listMemories(store.id, { include_content: true });
  say(stage, `memory store ${store.id} attached (read only); the session reads it into its system prompt at start:`);
  for (const memory of memories) print(stage, indent(`--- ${memory.path}\n${(memory.content ?? '').trimEnd()}`));
  const workspace = seedWorkspace(stage, 'retro', RETRO_NOTES);
  say(stage, `workspace ${workspace}: ${Object.keys(RETRO_NOTES).join(', ')}`);
  say(stage, `task for the scribe: ${RETRO_TASK}`);
  const sessionId = await stage.lucid.startSession({
    agent: 'scribe',
    message: RETRO_TASK,
    workspace,
    outcome: RETRO_OUTCOME,
    memory_stores: [{ memory_store_id: store.id, access: 'read_only', instructions: MEMORY_STORE.instructions }],
  });
  say(stage, `session ${sessionId} started; its events:\n`);
  const act = await watchAct(stage, sessionId, () => null);
  showTheDeliverable(stage, act);
  showHowMemoryWasUsed(stage, act, memories);
  return { ...act, memories };
}

/** Where the agent cited a memory, and how many evaluations its outcome took this time. */
function showHowMemoryWasUsed(stage: Stage, act: ActSession, memories: readonly Memory[]): void {
  subheading(stage, 'What the memory changed');
  const cited = act.events
    .map(messageText)
    .filter((text) => text && memories.some((memory) => text.includes(memory.path)));
  for (const text of cited) say(stage, `the agent cites its memory: "${text}"`);
  if (cited.length === 0) say(stage, 'the agent did not name a memory in its messages');
  const results = evaluationResults(act.events);
  say(stage, `outcome graded ${results.join(' → ') || 'never'}: ${plural(results.length, 'evaluation')} this time`);
}

/** The results of the session's evaluations, in order: `['needs_revision', 'satisfied']`. */
export function evaluationResults(events: readonly SessionEvent[]): string[] {
  return events.flatMap((event) => (event.type === 'span.outcome_evaluation_end' ? [event.result] : []));
}

// ---------------------------------------------------------------------------------------------------------------
// Act 5: real work in the sandboxed shell, a Python script that turns a CSV into a report and a Word document
// ---------------------------------------------------------------------------------------------------------------

async function reportFromTheShell(stage: Stage): Promise<ReportResult> {
  heading(stage, 'Act 5 · An analyst writes a Python script and runs it in a sandboxed shell');
  const workspace = seedWorkspace(stage, 'sales', SALES_FILES);
  const rows = SALES_FILES['sales.csv'].trimEnd().split('\n').length - 1;
  say(stage, `workspace ${workspace}: sales.csv (${rows} rows of region, month, units, price)`);
  say(stage, `task for the analyst: ${REPORT_TASK}`);
  const sessionId = await stage.lucid.startSession({ agent: 'analyst', message: REPORT_TASK, workspace });
  say(stage, `session ${sessionId} started; its bash calls run in a bubblewrap sandbox with no network:\n`);
  const act = await watchAct(stage, sessionId, () => null);
  showTheReports(stage, workspace);
  return { ...act, workspace };
}

/** What the script made: the Markdown report in full, and the Word document's size and where to open it. */
function showTheReports(stage: Stage, workspace: string): void {
  const markdown = path.join(workspace, REPORT_FILES.markdown);
  const word = path.join(workspace, REPORT_FILES.word);
  if (fs.existsSync(markdown)) {
    subheading(stage, `${REPORT_FILES.markdown}, as the script wrote it`);
    print(stage, indent(fs.readFileSync(markdown, 'utf8').trimEnd()));
  }
  if (fs.existsSync(word))
    say(
      stage,
      `${REPORT_FILES.word}: a Word document of ${fs.statSync(word).size} bytes, to open in Word or LibreOffice: ${word}`,
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Watching a session, with act headings between its events
// ---------------------------------------------------------------------------------------------------------------

/**
 * Prints the session's events live (the CLI's event printer, progress line included) until its workflow ends;
 * `headingBefore` may name a new act before an event.
 */
async function watchAct(
  stage: Stage,
  sessionId: string,
  headingBefore: (event: SessionEvent) => string | null,
): Promise<ActSession> {
  const printer = new EventPrinter(stage.stdout, { showProgress: true });
  const tracker = new SessionEndingTracker();
  const events: SessionEvent[] = [];
  try {
    for await (const event of stage.lucid.streamEvents(sessionId)) {
      const act = headingBefore(event);
      if (act) {
        printer.clearProgress();
        heading(stage, act);
      }
      printer.print(event);
      tracker.observe(event);
      events.push(event);
    }
  } finally {
    printer.finish();
  }
  const result = await finalSnapshot(stage.lucid, sessionId);
  if ('failure' in result) return { sessionId, snapshot: null, events, ending: { ok: false, reason: result.failure } };
  return { sessionId, snapshot: result.snapshot, events, ending: tracker.ending(result.snapshot) };
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

/** Most threads running at once, from the lead's thread status events. */
function parallelThreads(events: readonly SessionEvent[]): number {
  const running = new Set<string>();
  let most = 0;
  for (const event of events) {
    if (event.type === 'session.thread_status_running') running.add(event.session_thread_id);
    if (event.type === 'session.thread_status_idle' || event.type === 'session.thread_status_terminated')
      running.delete(event.session_thread_id);
    most = Math.max(most, running.size);
  }
  return most;
}

function seedWorkspace(stage: Stage, name: string, files: Readonly<Record<string, string>>): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const workspace = stage.lucid.storage.defaultWorkspace(`demo-${stamp}-${name}`);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
    fs.writeFileSync(path.join(workspace, file), content);
  }
  return workspace;
}

function messageText(event: SessionEvent): string {
  return event.type === 'agent.message' ? textOf(event.content) : '';
}

function pathOf(change: Dream['changes'][number]): string {
  return change.op === 'merge' ? change.into_path : change.path;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
