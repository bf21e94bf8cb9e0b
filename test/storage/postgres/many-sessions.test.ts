/**
 * Many sessions on two hosts: two worker processes (separate data directories, one PostgreSQL, one shared
 * LUCID_WORKSPACE_ROOT) run 20 sessions of three kinds: workers with workspace tools and `bash`, reporters with
 * an outcome the scripted grader sends back for one revision, and leads that delegate to two scouts in threads
 * (child workflows). One worker is SIGKILLed while a bash call's answer, a grader and a scout are all in flight.
 * Every session and thread finishes on the other, every log is complete with no gap or duplicate, every write
 * happened once. Then an auto-reviewed dream over three reporters lands its change once in the memory store on
 * the same database. Reporters, leads, the dream and their checks are the chaos run's (scripts/lib/chaos).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  chaosScenario,
  LEAD_MESSAGE,
  leadAgent,
  REPORTER_MESSAGE,
  reporterAgent,
  reporterOutcome,
  type SessionKind,
} from '../../../scripts/lib/chaos/agents';
import {
  allSessionIds,
  checkDream,
  checkEventLogs,
  checkFileWrites,
  checkSessionsFinished,
} from '../../../scripts/lib/chaos/checks';
import type { SessionRun } from '../../../scripts/lib/chaos/workload';
import { LucidClient, type StartSessionOptions } from '../../../src/client';
import type { AgentDefinition } from '../../../src/domain/agent-definition';
import type { Rule } from '../../../src/scripted-model/scenario';
import type { RecordedRequest } from '../../../src/scripted-model/server';
import { useHosts } from '../../helpers/hosts';
import { expectWellFormedLog } from '../../helpers/session';
import { tempDir, uniqueTaskQueue } from '../../helpers/temporal';
import { waitFor } from '../../helpers/wait-for';

/** 20 sessions: 8 with bash, 6 reporters with an outcome, 6 leads with two threads each. */
const BASH_SESSIONS = 8;
const REPORTERS = 6;
const LEADS = 6;
const SLOW_MS = 1500;

const bashAgent: AgentDefinition = {
  name: 'many-sessions',
  model: 'scripted-small',
  system: 'BASH-WORKER: write, run, check.',
  tools: ['write_file', 'read_file', 'bash'],
  max_turns: 10,
  max_tokens: 256,
};

const bashRules: Rule[] = [
  {
    match: { system: 'BASH-WORKER', last_user_text: 'Start' },
    reply: {
      content: [
        { type: 'tool_use', name: 'write_file', input: { path: 'out.txt', content: 'once\n' } },
        { type: 'tool_use', name: 'bash', input: { command: 'echo run >> bash.log && cat bash.log' } },
      ],
    },
  },
  // Slow: the worker is killed while many of these are in flight.
  {
    match: { system: 'BASH-WORKER', last_tool_result: 'run' },
    delay_ms: SLOW_MS,
    reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'out.txt' } }] },
  },
  // After the read, or after a command cut off by the kill: the session ends either way.
  { match: { system: 'BASH-WORKER' }, reply: { content: [{ type: 'text', text: 'Finished.' }] } },
];

const isGrader = (request: RecordedRequest) => JSON.stringify(request.body.tools ?? []).includes('submit_verdict');
const isScout = (request: RecordedRequest) => JSON.stringify(request.body.system ?? '').includes('CHAOS-SCOUT');
const isBashRead = (request: RecordedRequest) =>
  JSON.stringify(request.body.system ?? '').includes('BASH-WORKER') && request.body.messages.length > 1;

/** The chaos run's script, with its graders and scouts slowed down so the kill finds them at work. */
const chaosRules: Rule[] = chaosScenario({ rate: 0 }).rules.map((rule) =>
  rule.name?.startsWith('grader') || rule.name?.startsWith('scout') ? { ...rule, delay_ms: SLOW_MS } : rule,
);

const hosts = useHosts('lucid_many_sessions', { rules: [...chaosRules, ...bashRules] });

const CHAOS_INPUTS: Record<Exclude<SessionKind, 'writer'>, Omit<StartSessionOptions, 'sessionId'>> = {
  reporter: { agent: reporterAgent, message: REPORTER_MESSAGE, outcome: reporterOutcome },
  lead: { agent: leadAgent, message: LEAD_MESSAGE },
};

test('20 sessions with tools, threads and outcomes on two hosts, one killed mid-run, then a dream: all finish, logs whole, every write once', async () => {
  const taskQueue = uniqueTaskQueue('lucid-many-sessions');
  const workspaceRoot = tempDir('lucid-shared-workspaces-');
  const host = () => hosts.startWorker(taskQueue, { LUCID_WORKSPACE_ROOT: workspaceRoot });
  const [doomed, survivor] = [host(), host()];
  await Promise.all([doomed.ready, survivor.ready]);
  const lucid = new LucidClient({ client: hosts.temporal().client, taskQueue, storage: hosts.storage() });
  const storage = hosts.storage();

  const kinds: Array<Exclude<SessionKind, 'writer'>> = [
    ...Array<'reporter'>(REPORTERS).fill('reporter'),
    ...Array<'lead'>(LEADS).fill('lead'),
  ];
  const chaosIds = await Promise.all(kinds.map((kind) => lucid.startSession(CHAOS_INPUTS[kind])));
  const bashIds = await Promise.all(
    Array.from({ length: BASH_SESSIONS }, (_, index) =>
      lucid.startSession({ agent: bashAgent, message: `Start job ${index}` }),
    ),
  );
  // Mid-run: a bash session's slow answer, a grader and a scout are all being answered when the worker dies.
  const inFlight = (kind: (request: RecordedRequest) => boolean) =>
    hosts.model().requests.some((request) => kind(request) && request.answered_at === undefined);
  await waitFor(
    () => inFlight(isBashRead) && inFlight(isGrader) && inFlight(isScout),
    'a bash answer, a grader and a scout in flight together',
  );
  await doomed.kill('SIGKILL');

  const runs: SessionRun[] = await Promise.all(
    chaosIds.map(async (id, index) => ({
      planned: { id, kind: kinds[index], start_ms: 0 },
      snapshot: await lucid.result(id),
      error: null,
    })),
  );
  const bashSnapshots = await Promise.all(bashIds.map((sessionId) => lucid.result(sessionId)));

  // Reporters and leads (with their threads), by the chaos run's checks on the shared database.
  const checks = [
    checkSessionsFinished(runs),
    await checkEventLogs(storage.sessions, [...allSessionIds(runs), ...bashIds]),
    await checkFileWrites(storage, runs),
  ];
  expect(checks.filter((check) => !check.ok)).toEqual([]);
  for (const run of runs.filter((run) => run.planned.kind === 'lead'))
    expect(run.snapshot!.threads.map((thread) => thread.status)).toEqual(['terminated', 'terminated']);
  for (const run of runs.filter((run) => run.planned.kind === 'reporter')) {
    const ends = (await storage.sessions.readEvents(run.planned.id)).flatMap((event) =>
      event.type === 'span.outcome_evaluation_end' ? [`${event.result}@${event.iteration}`] : [],
    );
    expect(ends).toEqual(['needs_revision@0', 'satisfied@1']);
  }

  // The bash sessions: the write once, the command once at most (one cut off by the kill is not run again).
  for (const [index, sessionId] of bashIds.entries()) {
    expect(bashSnapshots[index]).toMatchObject({ stop_reason: { type: 'end_turn' }, final_message: 'Finished.' });
    const events = await storage.sessions.readEvents(sessionId);
    expectWellFormedLog(events, bashSnapshots[index].event_count);
    const workspace = path.join(workspaceRoot, sessionId);
    expect(fs.readFileSync(path.join(workspace, 'out.txt'), 'utf8')).toBe('once\n');
    const log = path.join(workspace, 'bash.log');
    const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    expect(['', 'run\n']).toContain(lines);
    const results = events.filter((event) => event.type === 'agent.tool_result');
    if (results.every((event) => event.type === 'agent.tool_result' && !event.is_error)) expect(lines).toBe('run\n');
  }

  // A dream over three finished reporters, on the surviving host: its change lands once in PostgreSQL.
  const store = await storage.memory.createStore({ name: 'many-sessions lessons' });
  const dreamId = await lucid.startDream({
    memory_store_id: store.id,
    sessions: { type: 'session_ids', session_ids: chaosIds.slice(0, 3) },
    model: 'chaos-dream',
    review: 'auto',
    output_behavior: { type: 'update_existing' },
  });
  const dream = await lucid.dreamResult(dreamId);
  expect(await checkDream(dream, storage.memory, store.id)).toMatchObject({ ok: true });
}, 180_000);
