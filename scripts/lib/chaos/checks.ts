/**
 * What must hold after the chaos: every session finished as scripted; every event log (sessions and threads)
 * has seqs 1..N with no gap or duplicate; every file write happened exactly once; nothing is left running that
 * should not be; the dream applied its approved change once. Each check reads the real artefacts through the
 * workers' storage (the data folder or PostgreSQL, by openStorage), the workspaces and Temporal's visibility.
 */
import type { Client } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import type { Dream } from '../../../src/domain/dream';
import type { SessionEvent, SessionSnapshot } from '../../../src/domain/events';
import { FsToolJournal } from '../../../src/storage/fs-tool-journal';
import type { MemoryStoreRepository } from '../../../src/memory/memory-store';
import type { Storage } from '../../../src/storage/open-storage';
import type { SessionStore } from '../../../src/storage/session-store';
import type { ToolJournal } from '../../../src/storage/tool-journal';
import { TEMP_FILE_PREFIX } from '../../../src/workspace/atomic-write';
import { TOOL_NAMES } from '../../../src/workspace/tools';
import {
  DREAM_MEMORY_CONTENT,
  DREAM_MEMORY_PATH,
  JOURNAL_CONTENT,
  JOURNAL_FILE,
  LEAD_FINAL,
  REPORT_CONTENT,
  REPORT_FILE,
  REPORTER_FINAL,
  SCOUT_DIRECTIONS,
  scoutContent,
  scoutFile,
  WRITER_FINAL,
  type SessionKind,
} from './agents';
import { retryTransient, sleep } from './retry';
import type { SessionRun } from './workload';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was found: counts when it passed, the first problems when it did not. */
  detail: string;
}

/** Shown per failing check; the JSON report has them all. */
const PROBLEMS_SHOWN = 5;

function result(name: string, checked: string, problems: string[]): CheckResult {
  if (problems.length === 0) return { name, ok: true, detail: checked };
  const more = problems.length > PROBLEMS_SHOWN ? ` (and ${problems.length - PROBLEMS_SHOWN} more)` : '';
  return { name, ok: false, detail: `${problems.slice(0, PROBLEMS_SHOWN).join('; ')}${more}` };
}

// -- Sessions ---------------------------------------------------------------------------------------------------

const FINAL_MESSAGES: Record<SessionKind, string> = {
  writer: WRITER_FINAL,
  reporter: REPORTER_FINAL,
  lead: LEAD_FINAL,
};

/** Every session completed, ended its turn with the scripted final message, and kept the scripted shape. */
export function checkSessionsFinished(runs: SessionRun[]): CheckResult {
  const problems = runs.flatMap(({ planned, snapshot, error }) => {
    if (!snapshot) return [`${planned.id}: ${error ?? 'no result'}`];
    const wrong: string[] = [];
    if (snapshot.status !== 'terminated') wrong.push(`status ${snapshot.status}`);
    if (snapshot.stop_reason?.type !== 'end_turn') wrong.push(`stop reason ${snapshot.stop_reason?.type}`);
    if (snapshot.final_message !== FINAL_MESSAGES[planned.kind])
      wrong.push(`final message ${JSON.stringify(snapshot.final_message)}`);
    // One evaluation per outcome, at its latest iteration: the grader asked for one revision, then was satisfied.
    const evaluations = snapshot.outcome_evaluations
      .map((evaluation) => `${evaluation.result}@${evaluation.iteration}`)
      .join(',');
    if (planned.kind === 'reporter' && evaluations !== 'satisfied@1')
      wrong.push(`outcome evaluations [${evaluations}]`);
    if (planned.kind === 'lead' && snapshot.threads.length !== SCOUT_DIRECTIONS.length)
      wrong.push(`${snapshot.threads.length} threads`);
    return wrong.length ? [`${planned.id}: ${wrong.join(', ')}`] : [];
  });
  return result(
    'every session finished',
    `${runs.length}/${runs.length} completed with the scripted final message`,
    problems,
  );
}

/** The sessions whose logs and journals are checked: every top-level session and every thread of a lead. */
export function allSessionIds(runs: SessionRun[]): string[] {
  return runs.flatMap(({ planned, snapshot }) => [
    planned.id,
    ...(snapshot?.threads.map((thread) => thread.session_id) ?? []),
  ]);
}

// -- Event logs -------------------------------------------------------------------------------------------------

/** Seqs exactly 1..N (N = the stored snapshot's event_count), unique event ids, one use and one result per tool call. */
export async function checkEventLogs(store: SessionStore, sessionIds: string[]): Promise<CheckResult> {
  let events = 0;
  const problems: string[] = [];
  for (const sessionId of sessionIds) {
    const log = await store.readEvents(sessionId);
    const snapshot = await store.readSnapshot(sessionId);
    events += log.length;
    problems.push(...logProblems(log, snapshot).map((problem) => `${sessionId}: ${problem}`));
  }
  return result(
    'event logs: seqs 1..N, no gaps or duplicates',
    `${sessionIds.length} logs, ${events} events`,
    problems,
  );
}

function logProblems(log: SessionEvent[], snapshot: SessionSnapshot | null): string[] {
  const problems: string[] = [];
  if (!snapshot) problems.push('no stored snapshot');
  else if (log.length !== snapshot.event_count)
    problems.push(`${log.length} events stored, snapshot says ${snapshot.event_count}`);
  const gap = log.findIndex((event, index) => event.seq !== index + 1);
  if (gap >= 0) problems.push(`seq ${log[gap].seq} where ${gap + 1} belongs`);
  if (new Set(log.map((event) => event.id)).size !== log.length) problems.push('an event id appears twice');
  for (const type of ['agent.tool_use', 'agent.tool_result'] as const) {
    const ids = log.flatMap((event) => (event.type === type ? [event.tool_use_id] : []));
    if (new Set(ids).size !== ids.length) problems.push(`a tool_use_id appears in two ${type} events`);
  }
  const uses = toolUses(log)
    .map((use) => use.id)
    .sort();
  const results = log.flatMap((event) => (event.type === 'agent.tool_result' ? [event.tool_use_id] : [])).sort();
  if (uses.join() !== results.join()) problems.push('tool uses and tool results do not pair up');
  return problems;
}

function toolUses(log: SessionEvent[]): Array<{ id: string; name: string }> {
  return log.flatMap((event) => (event.type === 'agent.tool_use' ? [{ id: event.tool_use_id, name: event.name }] : []));
}

// -- File writes ------------------------------------------------------------------------------------------------

/** The files each kind of session must leave in its workspace, with their exact content. */
function expectedFiles(kind: SessionKind): Record<string, string> {
  if (kind === 'writer') return { [JOURNAL_FILE]: JOURNAL_CONTENT };
  if (kind === 'reporter') return { [REPORT_FILE]: REPORT_CONTENT };
  return Object.fromEntries(SCOUT_DIRECTIONS.map((direction) => [scoutFile(direction), scoutContent(direction)]));
}

/**
 * Exactly once, seen from both ends. The workspace holds exactly the expected files with exactly the expected
 * content (an edit applied twice repeats its line; a write applied again wipes the edits after it; no temp
 * file left over). The tool journal (whichever store keeps it) holds one finished entry per workspace tool call
 * in the log, and none for a call the log does not have.
 */
export async function checkFileWrites(storage: Storage, runs: SessionRun[]): Promise<CheckResult> {
  const problems: string[] = [];
  let files = 0;
  let calls = 0;
  for (const { planned, snapshot } of runs) {
    if (!snapshot) continue; // reported by the sessions check
    const expected = expectedFiles(planned.kind);
    files += Object.keys(expected).length;
    problems.push(...workspaceProblems(snapshot.workspace, expected).map((problem) => `${planned.id}: ${problem}`));
  }
  for (const sessionId of allSessionIds(runs)) {
    const uses = toolUses(await storage.sessions.readEvents(sessionId)).filter((use) =>
      (TOOL_NAMES as readonly string[]).includes(use.name),
    );
    calls += uses.length;
    const journal = storage.toolJournal(sessionId);
    problems.push(...(await journalProblems(journal, uses)).map((problem) => `${sessionId}: ${problem}`));
  }
  return result(
    'every file write happened exactly once',
    `${files} files exact, ${calls} tool calls journaled once`,
    problems,
  );
}

function workspaceProblems(workspace: string, expected: Record<string, string>): string[] {
  const names = fs.existsSync(workspace) ? fs.readdirSync(workspace) : [];
  const problems = names.filter((name) => !(name in expected)).map((name) => `unexpected file ${name}`);
  for (const [name, content] of Object.entries(expected)) {
    const file = path.join(workspace, name);
    if (!fs.existsSync(file)) problems.push(`${name} missing`);
    else if (fs.readFileSync(file, 'utf8') !== content)
      problems.push(`${name} is ${JSON.stringify(fs.readFileSync(file, 'utf8'))}`);
  }
  return problems;
}

async function journalProblems(journal: ToolJournal, uses: Array<{ id: string }>): Promise<string[]> {
  const problems = leftoverTempFiles(journal).map((name) => `journal temp file ${name} left over`);
  const journaled = new Set(await journal.callIds());
  const logged = new Set(uses.map((use) => use.id));
  for (const id of journaled)
    if (!logged.has(id)) problems.push(`journal entry ${id} for a call the log does not have`);
  for (const { id } of uses) {
    const entry = journaled.has(id) ? await journal.read(id) : null;
    if (entry?.state !== 'done') problems.push(`tool call ${id} is ${entry ? entry.state : 'not journaled'}`);
  }
  return problems;
}

/** A journal in files can leave a half-written temp file behind; one in a database writes a row or nothing. */
function leftoverTempFiles(journal: ToolJournal): string[] {
  if (!(journal instanceof FsToolJournal) || !fs.existsSync(journal.dir)) return [];
  return fs.readdirSync(journal.dir).filter((name) => name.startsWith(TEMP_FILE_PREFIX));
}

// -- Running workflows ------------------------------------------------------------------------------------------

/**
 * The workflows still running on the run's task queue are exactly `expected`. Visibility trails the workflows
 * by a moment, so it is read again for a few seconds before a difference counts.
 */
export async function checkRunningWorkflows(
  client: Client,
  taskQueue: string,
  expected: string[],
  when: string,
): Promise<CheckResult> {
  const want = [...expected].sort().join(', ') || 'none';
  const read = async () => (await listRunning(client, taskQueue)).join(', ') || 'none';
  const settled = Date.now() + 15_000;
  let found = await retryTransient('running workflows', read, settled);
  while (found !== want && Date.now() < settled) {
    await sleep(500);
    found = await retryTransient('running workflows', read, settled);
  }
  return result(
    `no workflow left running ${when}`,
    `running: ${found}`,
    found === want ? [] : [`running: ${found}; expected: ${want}`],
  );
}

async function listRunning(client: Client, taskQueue: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of client.workflow.list({
    query: `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`,
  })) {
    ids.push(execution.workflowId);
  }
  return ids.sort();
}

// -- The dream --------------------------------------------------------------------------------------------------

/** The approved change was applied, once: the memory holds it, written by one version. */
export async function checkDream(
  dream: Dream | null,
  memory: MemoryStoreRepository,
  memoryStoreId: string,
): Promise<CheckResult> {
  const name = 'dream: approved change applied exactly once';
  if (!dream) return result(name, '', ['the dream did not finish']);
  const problems: string[] = [];
  if (dream.status !== 'completed' || dream.phase !== 'done') problems.push(`dream ${dream.status}/${dream.phase}`);
  const statuses = dream.changes.map((change) => change.status).join(',');
  if (statuses !== 'applied') problems.push(`changes [${statuses}]`);
  try {
    const content = (await memory.getMemoryByPath(memoryStoreId, DREAM_MEMORY_PATH)).content;
    if (content !== DREAM_MEMORY_CONTENT) problems.push(`memory holds ${JSON.stringify(content)}`);
  } catch (error) {
    problems.push(`memory ${DREAM_MEMORY_PATH}: ${(error as Error).message}`);
  }
  const versions = (await memory.listVersions(memoryStoreId)).length;
  if (versions !== 1) problems.push(`${versions} memory versions`);
  return result(name, `1 change applied, 1 memory version`, problems);
}
