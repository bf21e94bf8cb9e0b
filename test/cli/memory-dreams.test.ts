/**
 * `lucid memory` and `lucid dreams`, run for real as subprocesses (`node bin/lucid.js ...`) against the test dev
 * server, a real worker on its own task queue and the scripted model playing agent and dreamer; the interactive
 * review runs in process with a stand-in terminal. Plus unit tests of the pure review loop and renderers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { reviewInteractively, type ReviewConversation } from '../../src/cli/interactive-review';
import { runCli } from '../../src/cli/main';
import { describeEvidence, renderChange } from '../../src/cli/render-dream';
import { describeCalendar, formatDuration } from '../../src/cli/render-schedule';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { Dream, DreamChange } from '../../src/domain/dream';
import type { MemoryStoreRepository } from '../../src/memory/memory-store';
import type { Rule } from '../../src/scripted-model/scenario';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { expectExit, runLucid, waitFor } from '../helpers/cli';
import { tempDir } from '../helpers/temporal';
import { addChange, changesReply, lessonsReply } from '../helpers/dream-replies';

const agentReply: Rule = {
  match: { system: 'REPORTER-SYSTEM' },
  reply: { content: [{ type: 'text', text: 'Report written.' }] },
};

describe('lucid memory and lucid dreams (subprocess, real server, worker and scripted model)', () => {
  const unique = `${process.pid}-${Date.now().toString(36)}`;
  const agent: AgentDefinition = {
    name: `reporter-${unique}`,
    model: 'agent-model',
    system: 'REPORTER-SYSTEM',
    tools: [],
    max_turns: 3,
    max_tokens: 256,
  };
  let harness: SessionHarness;
  let workDir: string;
  let env: Record<string, string>;
  let memory: MemoryStoreRepository;
  const lucid = (...args: string[]) => runLucid(args, env, workDir);

  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
    workDir = tempDir('lucid-memory-cli-');
    env = {
      TEMPORAL_ADDRESS: harness.temporal.address,
      LUCID_TASK_QUEUE: harness.taskQueue,
      LUCID_DATA_DIR: harness.dataDir,
    };
    memory = harness.storage.memory;
  });
  afterAll(async () => harness?.close());

  async function runSession(message: string): Promise<string> {
    const sessionId = await harness.lucid.startSession({ agent, message });
    await harness.lucid.result(sessionId);
    return sessionId;
  }

  async function waitForPhase(dreamId: string, phase: Dream['phase']): Promise<Dream> {
    const dream = await waitFor(
      () => harness.lucid.dream(dreamId),
      (current) => current?.phase === phase,
    );
    if (dream?.phase !== phase) throw new Error(`dream ${dreamId} never reached ${phase} (at ${dream?.phase})`);
    return dream;
  }

  describe('memory', () => {
    it('creates a store, writes, shows, lists the history, diffs two versions and restores one', async () => {
      const created = await lucid('memory', 'create', `notes-${unique}`, '--description', 'Conventions we agreed on');
      expectExit(created, 0);
      const storeId = created.stdout.trim();
      expect(storeId).toMatch(/^memstore_\w+$/);

      // The store goes by its name as well as by its id.
      expectExit(
        await lucid('memory', 'write', `notes-${unique}`, '/style.md', '--content', 'Use tabs.\n', '--by', 'ana'),
        0,
      );
      fs.writeFileSync(path.join(workDir, 'style.md'), 'Use spaces.\nTwo of them.\n');
      const second = await lucid('memory', 'write', storeId, '/style.md', '--file', 'style.md', '--by', 'ben');
      expectExit(second, 0);
      expect(second.stdout).toMatch(
        /^modified \/style\.md \(mem_\w+\) · version memver_\w+ · sha256 [0-9a-f]{12} · 25 bytes/,
      );

      const [shown, listed, stores, history] = await Promise.all([
        lucid('memory', 'show', storeId, '/style.md'),
        lucid('memory', 'ls', storeId, '--prefix', '/'),
        lucid('memory', 'list'),
        lucid('memory', 'history', storeId, '/style.md', '--json'),
      ]);
      expectExit(shown, 0);
      expect(shown.stdout).toBe('Use spaces.\nTwo of them.\n');
      expect(shown.stderr).toMatch(/^\/style\.md \(mem_\w+\)/);
      expectExit(listed, 0);
      expect(listed.stdout).toMatch(
        /^PATH +BYTES +SHA256 +VERSION +UPDATED\n\/style\.md +25 +[0-9a-f]{12} +memver_\w+ +\d{4}-/,
      );
      expect(stores.stdout).toMatch(new RegExp(`${storeId} +notes-${unique} +1 +\\d{4}-.* Conventions we agreed on`));
      const versions = JSON.parse(history.stdout) as Array<{ id: string; operation: string }>;
      expect(versions.map((version) => version.operation)).toEqual(['modified', 'created']);
      const [newest, oldest] = versions.map((version) => version.id);

      const diff = await lucid('memory', 'diff', storeId, oldest, newest);
      expectExit(diff, 0);
      expect(diff.stdout).toBe(
        `--- /style.md@${oldest}\n+++ /style.md@${newest}\n@@ -1,1 +1,2 @@\n-Use tabs.\n+Use spaces.\n+Two of them.\n`,
      );

      const restored = await lucid('memory', 'restore', storeId, oldest, '--by', 'cy');
      expectExit(restored, 0);
      expect(restored.stdout).toMatch(new RegExp(`^restored ${oldest} as /style\\.md`));
      expect((await memory.getMemoryByPath(storeId, '/style.md')).content).toBe('Use tabs.\n');
      const table = await lucid('memory', 'history', storeId);
      expect(table.stdout.split('\n')[0]).toMatch(/^VERSION +OPERATION +PATH +TIME +BY +BYTES +SHA256$/);
      expect(
        table.stdout
          .split('\n')
          .slice(1, 4)
          .map((line) => line.match(/ (user \w+) /)?.[1]),
      ).toEqual(['user cy', 'user ben', 'user ana']);
    });

    it('`show` keeps content without a final newline exact, and its details on a line of their own', async () => {
      const storeId = (await memory.createStore({ name: `one-line-${unique}` })).id;
      await memory.writeMemory(
        storeId,
        { path: '/one-line.md', content: 'no newline' },
        { type: 'user_actor', user_id: 'ana' },
      );
      const shown = await lucid('memory', 'show', storeId, '/one-line.md');
      expectExit(shown, 0);
      expect(shown.stdout).toBe('no newline');
      // Both streams end up on the same terminal: the newline on stderr ends the content's line there.
      expect(shown.stderr).toMatch(/^\n\/one-line\.md \(mem_\w+\) · version memver_\w+/);
    });

    it('exits 1 on a precondition mismatch, 2 on a bad path, 4 on an unknown store or memory', async () => {
      const storeId = (await memory.createStore({ name: `strict-${unique}` })).id;
      const note = await memory.writeMemory(
        storeId,
        { path: '/a.md', content: 'one' },
        { type: 'user_actor', user_id: 'ana' },
      );
      const stale = 'f'.repeat(64);
      const [mismatch, badPath, unknownStore, unknownMemory] = await Promise.all([
        lucid('memory', 'write', storeId, '/a.md', '--content', 'two', '--expect-sha', stale),
        lucid('memory', 'write', storeId, 'a.md', '--content', 'two'),
        lucid('memory', 'ls', 'no-such-store'),
        lucid('memory', 'show', storeId, '/missing.md'),
      ]);
      expectExit(mismatch, 1);
      expect(mismatch.stderr).toContain(
        `lucid: Precondition failed for memory "/a.md": expected content_sha256 ${stale}, but its content_sha256 is ${note.content_sha256}.`,
      );
      expectExit(badPath, 2);
      expect(badPath.stderr).toContain('Invalid memory path "a.md": a path must start with "/"');
      expectExit(unknownStore, 4);
      expect(unknownStore.stderr).toContain('no memory store with id or name "no-such-store"');
      expectExit(unknownMemory, 4);
      expect((await memory.getMemoryByPath(storeId, '/a.md')).content).toBe('one');
      // The hash prefix that `ls` prints stands for the whole hash.
      expectExit(
        await lucid(
          'memory',
          'write',
          storeId,
          '/a.md',
          '--content',
          'three',
          '--expect-sha',
          note.content_sha256.slice(0, 12),
        ),
        0,
      );
      expect((await memory.getMemoryByPath(storeId, '/a.md')).content).toBe('three');
    });
  });

  describe('dreams', () => {
    it('starts a dream over a session, shows its change with diff and evidence, and applies it on approval', async () => {
      harness.model.setScenario({
        rules: [
          lessonsReply('Always add a Sources section to reports.', [1, 3]),
          changesReply([
            addChange(
              '/lessons/sources.md',
              'Always add a Sources section to reports.\n',
              'The report lacked its Sources section.',
            ),
          ]),
          agentReply,
        ],
      });
      const sessionId = await runSession('Write the report');
      const storeName = `lessons-${unique}`;
      const storeId = (await memory.createStore({ name: storeName })).id;

      const started = await lucid(
        'dreams',
        'start',
        '--store',
        storeName,
        '--sessions',
        sessionId,
        '--model',
        'dream-model',
        '--update-existing',
      );
      expectExit(started, 0);
      const dreamId = started.stdout.trim();
      expect(dreamId).toMatch(/^drm_\w+$/);
      await waitForPhase(dreamId, 'awaiting_review');

      const [shown, noFlags, unknownChange] = await Promise.all([
        lucid('dreams', 'show', dreamId),
        lucid('dreams', 'review', dreamId),
        lucid('dreams', 'review', dreamId, '--approve', 'chg_9'),
      ]);
      expectExit(shown, 0);
      expect(shown.stdout).toMatch(/status +running · phase awaiting_review \(workflow RUNNING\)/);
      expect(shown.stdout).toContain(`store      ${storeId} (update_existing)`);
      expect(shown.stdout).toContain('chg_1  add /lessons/sources.md · support 1 · pending');
      expect(shown.stdout).toMatch(/rationale +The report lacked its Sources section\./);
      expect(shown.stdout).toContain(`evidence   ${sessionId}#1,3`);
      // #1 is the user's message; #3 a span start, which carries no content and so is no evidence.
      expect(shown.stdout).toContain('provenance 1 user message, 1 cited seq without evidence');
      expect(shown.stdout).not.toContain('UNTRUSTED');
      expect(shown.stdout).toContain('--- /dev/null\n       +++ b/lessons/sources.md');
      expect(shown.stdout).toContain('+Always add a Sources section to reports.');
      // No flags and no terminal: the pending changes are printed, and flags asked for.
      expectExit(noFlags, 2);
      expect(noFlags.stdout).toContain('chg_1  add /lessons/sources.md');
      expect(noFlags.stderr).toContain('no decision given for the 1 pending change above: pass --approve ID,...');
      expectExit(unknownChange, 4);
      expect(unknownChange.stderr).toContain(`dream ${dreamId} has no change "chg_9" (its changes: chg_1)`);

      const reviewed = await lucid(
        'dreams',
        'review',
        dreamId,
        '--approve',
        'chg_1',
        '--by',
        'ana',
        '--comment',
        'good catch',
      );
      expectExit(reviewed, 0);
      expect(reviewed.stdout).toContain('chg_1  approved by ana → applied');
      expect(reviewed.stdout).toContain(`dream ${dreamId} completed: every change decided`);

      const [content, history, listed, again] = await Promise.all([
        lucid('memory', 'show', storeName, '/lessons/sources.md'),
        lucid('memory', 'history', storeId, '/lessons/sources.md'),
        lucid('dreams', 'list'),
        lucid('dreams', 'review', dreamId, '--approve', 'chg_1'),
      ]);
      expect(content.stdout).toBe('Always add a Sources section to reports.\n');
      expect(history.stdout).toContain(`dream ${dreamId} chg_1`);
      expectExit(listed, 0);
      expect(listed.stdout).toMatch(/^ID +STATUS +PHASE +STORE +SESSIONS +CHANGES +PENDING +APPLIED +CREATED\n/);
      expect(listed.stdout).toMatch(new RegExp(`${dreamId} +completed +done +${storeId} +1 +1 +0 +1 +\\d{4}-`));
      expectExit(again, 1);
      expect(again.stderr).toContain(`dream ${dreamId} has ended (completed); it no longer takes decisions`);
    });

    it('reviews interactively on a terminal: shows each change and asks approve, reject, skip or quit', async () => {
      harness.model.setScenario({
        rules: [
          lessonsReply('Name files in lowercase.', [1, 3]),
          changesReply([addChange('/a.md', 'alpha\n', 'first'), addChange('/b.md', 'beta\n', 'second')]),
          agentReply,
        ],
      });
      const sessionId = await runSession('Name some files');
      const storeId = (await memory.createStore({ name: `interactive-${unique}` })).id;
      const dreamId = await harness.lucid.startDream({
        memory_store_id: storeId,
        sessions: { type: 'session_ids', session_ids: [sessionId] },
        model: 'dream-model',
        output_behavior: { type: 'update_existing' },
      });
      await waitForPhase(dreamId, 'awaiting_review');

      const terminal = Object.assign(new PassThrough(), { isTTY: true });
      terminal.end('maybe\nr\na\n'); // an answer it does not understand first: it asks again
      let stdout = '';
      let stderr = '';
      const code = await withEnvironment(env, () =>
        runCli(['dreams', 'review', dreamId, '--by', 'dana'], {
          stdout: { write: (text: string) => (stdout += text) },
          stderr: { write: (text: string) => (stderr += text) },
          stdin: terminal,
        }),
      );
      if (code !== 0) throw new Error(`exit ${code}\n${stdout}\n${stderr}`);
      expect(stdout).toContain('chg_1  add /a.md · support 1 · pending');
      expect(stdout).toContain(
        '[1/2] chg_1: approve, reject, skip or quit? [a/r/s/q] please answer a (approve), r (reject), s (skip) or q (quit)',
      );
      expect(stdout).toContain('+beta');
      expect(stdout).toContain('chg_1  rejected by dana');
      expect(stdout).toContain('chg_2  approved by dana → applied');
      expect((await memory.listMemories(storeId)).map((item) => item.path)).toEqual(['/b.md']);
    });

    it('schedules dreams: create, list, pause, delete', async () => {
      const storeName = `scheduled-${unique}`;
      const storeId = (await memory.createStore({ name: storeName })).id;
      const [everyHour, nightly, badCron] = await Promise.all([
        lucid(
          'dreams',
          'schedule',
          '--agent',
          `hourly-${unique}`,
          '--store',
          storeName,
          '--model',
          'dream-model',
          '--every',
          '1h',
          '--review',
          'auto',
        ),
        lucid(
          'dreams',
          'schedule',
          '--agent',
          `nightly-${unique}`,
          '--store',
          storeId,
          '--model',
          'dream-model',
          '--cron',
          '0 3 * * *',
        ),
        lucid(
          'dreams',
          'schedule',
          '--agent',
          `broken-${unique}`,
          '--store',
          storeId,
          '--model',
          'dream-model',
          '--cron',
          'not a cron',
        ),
      ]);
      expectExit(everyHour, 0);
      expectExit(nightly, 0);
      const hourlyId = everyHour.stdout.trim();
      const nightlyId = nightly.stdout.trim();
      expect(hourlyId).toBe(`dream-hourly-${unique}-${storeId}`);
      expectExit(badCron, 2);
      expect(badCron.stderr).toContain('lucid: invalid schedule: CronString does not have 5-7 fields');
      try {
        // Schedules are listed through visibility, which takes a moment to see new ones.
        const listed = await waitFor(
          () => lucid('dreams', 'schedule', 'list'),
          (result) => result.stdout.includes(hourlyId) && result.stdout.includes(nightlyId),
        );
        expectExit(listed, 0);
        expect(listed.stdout).toMatch(/^ID +AGENT +STORE +WHEN +REVIEW +STATE +NEXT RUN +RUNS\n/);
        expect(listed.stdout).toMatch(
          new RegExp(`${hourlyId} +hourly-${unique} +${storeId} +every 1h +auto +active +\\d{4}-.* +0`),
        );
        expect(listed.stdout).toMatch(
          new RegExp(`${nightlyId} +nightly-${unique} +${storeId} +0 3 \\* \\* \\* +human +active`),
        );

        expectExit(await lucid('dreams', 'schedule', 'pause', hourlyId, '--note', 'holiday'), 0);
        const paused = await harness.temporal.client.schedule.getHandle(hourlyId).describe();
        expect(paused.state).toMatchObject({ paused: true, note: 'holiday' });
      } finally {
        const deleted = await Promise.all([
          lucid('dreams', 'schedule', 'delete', hourlyId),
          lucid('dreams', 'schedule', 'delete', nightlyId),
        ]);
        for (const result of deleted) expectExit(result, 0);
      }
      const gone = await lucid('dreams', 'schedule', 'pause', hourlyId);
      expectExit(gone, 4);
      expect(gone.stderr).toContain(`no dream schedule with id "${hourlyId}"`);
    });
  });
});

/** Runs `work` with the CLI's environment set in this process (for runCli), restoring it afterwards. */
async function withEnvironment<T>(variables: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('dream review and rendering (pure)', () => {
  const change = (id: string, extra: Partial<DreamChange> = {}): DreamChange =>
    ({
      op: 'edit',
      path: '/style.md',
      old_string: 'tabs',
      new_string: 'spaces',
      id,
      rationale: 'The team switched.\nEveryone agreed.',
      evidence: [
        { session_id: 'sesn_a', seqs: [3, 7] },
        { session_id: 'sesn_b', seqs: [12] },
      ],
      support: 2,
      base_sha256: { '/style.md': 'abc' },
      diff: '--- a/style.md\n+++ b/style.md\n@@ -1,1 +1,1 @@\n-Use tabs.\n+Use spaces.\n',
      status: 'pending',
      decision: null,
      status_detail: null,
      ...extra,
    }) as DreamChange;

  it('renders a change with its rationale, evidence as session#seq,seq and its diff', () => {
    expect(renderChange(change('chg_1'))).toEqual([
      'chg_1  edit /style.md · support 2 · pending',
      '       rationale  The team switched.',
      '                  Everyone agreed.',
      '       evidence   sesn_a#3,7  sesn_b#12',
      '       provenance not recorded (the dream predates evidence provenance)',
      '       --- a/style.md',
      '       +++ b/style.md',
      '       @@ -1,1 +1,1 @@',
      '       -Use tabs.',
      '       +Use spaces.',
    ]);
    const toolOutput = (seq: number) => ({ session_id: 'sesn_a', seq, kind: 'tool_output' as const });
    const untrusted = change('chg_2', { provenance: [toolOutput(3), toolOutput(7)], trusted: false });
    expect(renderChange(untrusted).slice(3, 6)).toEqual([
      '       evidence   sesn_a#3,7  sesn_b#12',
      '       provenance 2 tool outputs, 1 cited seq without evidence',
      '       UNTRUSTED  only tool output — held for human review',
    ]);
    const trusted = change('chg_3', {
      provenance: [
        { session_id: 'sesn_a', seq: 3, kind: 'user_message' },
        { session_id: 'sesn_a', seq: 7, kind: 'agent_reasoning' },
        { session_id: 'sesn_b', seq: 12, kind: 'tool_output' },
      ],
      trusted: true,
    });
    expect(renderChange(trusted)[4]).toBe('       provenance 1 user message, 1 agent reasoning step, 1 tool output');
    expect(renderChange(trusted).join('\n')).not.toContain('UNTRUSTED');
    const nothingVerified = change('chg_4', { provenance: [], trusted: false });
    expect(renderChange(nothingVerified)[5]).toBe('       UNTRUSTED  no verified evidence — held for human review');
    const many = Array.from({ length: 10 }, (_, index) => ({ session_id: `s${index}`, seqs: [index + 1] }));
    expect(describeEvidence(many)).toBe('s0#1  s1#2  s2#3  s3#4  s4#5  s5#6  s6#7  s7#8  … and 2 more sessions');
  });

  it('collects a/r/s answers, asks again on anything else, and stops at q or the end of input', async () => {
    const scripted = (answers: Array<string | null>): ReviewConversation & { shown: string[]; asked: string[] } => ({
      shown: [],
      asked: [],
      show(text) {
        this.shown.push(text);
      },
      async ask(question) {
        this.asked.push(question);
        return answers.shift() ?? null;
      },
    });
    const changes = ['chg_1', 'chg_2', 'chg_3', 'chg_4'].map((id) => change(id));
    const first = scripted(['a', 'what?', 'Reject', 's', 'q']);
    expect(await reviewInteractively(changes, first)).toEqual({
      verdicts: [
        { change_id: 'chg_1', decision: 'approved' },
        { change_id: 'chg_2', decision: 'rejected' },
      ],
      skipped: ['chg_3', 'chg_4'],
      quit: true,
    });
    expect(first.asked[0]).toBe('[1/4] chg_1: approve, reject, skip or quit? [a/r/s/q] ');
    expect(first.shown).toContain('please answer a (approve), r (reject), s (skip) or q (quit)\n');
    expect(first.shown[0]).toContain('+Use spaces.');

    const ended = await reviewInteractively(changes, scripted(['r']));
    expect(ended).toEqual({
      verdicts: [{ change_id: 'chg_1', decision: 'rejected' }],
      skipped: ['chg_2', 'chg_3', 'chg_4'],
      quit: true,
    });
  });

  it('writes schedule calendars as cron fields and intervals as durations', () => {
    const range = (start: number | string, end = start, step = 1) => ({ start, end, step });
    expect(
      describeCalendar({
        second: [range(0)],
        minute: [range(0, 59, 15)],
        hour: [range(3)],
        dayOfMonth: [range(1, 31)],
        month: [range('JANUARY', 'DECEMBER')],
        dayOfWeek: [range('MONDAY', 'FRIDAY')],
      } as never),
    ).toBe('*/15 3 * * 1-5');
    expect([
      formatDuration(3_600_000),
      formatDuration(90_000),
      formatDuration(129_600_000),
      formatDuration(250),
    ]).toEqual(['1h', '1m30s', '1d12h', '250ms']);
  });
});
