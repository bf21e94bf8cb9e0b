/**
 * The `lucid` CLI, run for real as a subprocess (`node bin/lucid.js ...`) against the test dev server, a real
 * worker on its own task queue and the scripted model; plus unit tests of the pure event rendering.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EventPrinter } from '../../src/cli/event-printer';
import { LiveView } from '../../src/cli/live-view';
import { runCli } from '../../src/cli/main';
import { renderSnapshot } from '../../src/cli/render-snapshot';
import { renderThreadTree } from '../../src/cli/render-thread-tree';
import { buildThreadTree } from '../../src/cli/thread-tree';
import {
  advanceProgress,
  describeToolInput,
  INITIAL_PROGRESS,
  oneLine,
  renderEvent,
  renderEventLines,
  renderProgress,
} from '../../src/cli/render-event';
import { outcomesEnding, SessionEndingTracker } from '../../src/cli/session-ending';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent, SessionEventBody, SessionSnapshot, UserContentBlock } from '../../src/domain/events';
import type { CriterionVerdict, OutcomeEvaluation } from '../../src/domain/outcome';
import type { ThreadSummary } from '../../src/domain/threads';
import type { Usage } from '../../src/domain/usage';
import type { Rule, Scenario } from '../../src/scripted-model/scenario';
import { startSessionHarness, workspaceOf, type SessionHarness } from '../helpers/session';
import { expectExit, runLucid, waitFor } from '../helpers/cli';
import { tempDir } from '../helpers/temporal';

/** A scripted grader's answer: the scripted model plays the grader when the request offers submit_verdict. */
function graderSays(
  result: 'satisfied' | 'needs_revision' | 'failed',
  explanation: string,
  criteria: CriterionVerdict[],
): Rule {
  return {
    match: { tools_include: 'submit_verdict' },
    times: 1,
    reply: { content: [{ type: 'tool_use', name: 'submit_verdict', input: { result, explanation, criteria } }] },
  };
}

/** The agent's answers: to the outcome brief first, then to the grader's feedback. */
function agentSays(first: string, afterFeedback?: string): Rule[] {
  const rules: Rule[] = [
    { match: { last_user_text: 'Outcome outc_' }, times: 1, reply: { content: [{ type: 'text', text: first }] } },
  ];
  if (afterFeedback) {
    rules.unshift({
      match: { last_user_text: 'Grader feedback' },
      times: 1,
      reply: { content: [{ type: 'text', text: afterFeedback }] },
    });
  }
  return rules;
}

const THREE_LINES = 'The haiku has three lines';
const threeLines = (met: boolean, explanation: string): CriterionVerdict[] => [
  { criterion: THREE_LINES, met, explanation },
];

describe('lucid CLI (subprocess, real server, worker and scripted model)', () => {
  const unique = `${process.pid}-${Date.now().toString(36)}`;
  const agent: AgentDefinition = {
    name: `cli-test-${unique}`,
    model: 'scripted-cli',
    system: 'You help with files.',
    tools: ['read_file', 'write_file', 'list_files'],
    max_turns: 5,
    max_tokens: 512,
  };
  let harness: SessionHarness;
  let workDir: string;
  let env: Record<string, string>;
  const lucid = (...args: string[]) => runLucid(args, env, workDir);

  beforeAll(async () => {
    harness = await startSessionHarness({ rules: [] });
    workDir = tempDir('lucid-cli-');
    fs.writeFileSync(path.join(workDir, 'agent.json'), JSON.stringify(agent));
    fs.writeFileSync(path.join(workDir, 'rubric.md'), `- ${THREE_LINES}\n`);
    env = {
      TEMPORAL_ADDRESS: harness.temporal.address,
      LUCID_TASK_QUEUE: harness.taskQueue,
      LUCID_DATA_DIR: harness.dataDir,
    };
  });
  afterAll(async () => harness?.close());

  describe('a session run from start to end', () => {
    const sessionId = `cli-run-${unique}`;
    const scenario: Scenario = {
      rules: [
        {
          match: { last_user_text: 'Write a haiku file' },
          times: 1,
          reply: {
            content: [
              { type: 'text', text: 'Writing it.' },
              {
                type: 'tool_use',
                name: 'write_file',
                input: { path: 'haiku.md', content: 'old pond\nfrog jumps in\nsplash\n' },
              },
            ],
          },
        },
        {
          match: { last_tool_result: 'Created haiku.md' },
          times: 1,
          reply: { content: [{ type: 'text', text: 'Done: haiku.md holds the haiku.' }] },
        },
      ],
    };

    it('`run` streams the events, prints the snapshot and exits 0', async () => {
      harness.model.setScenario(scenario);
      const result = await lucid('run', 'agent.json', 'Write a haiku file please', '--id', sessionId);
      expectExit(result, 0);
      expect(result.stdout).toContain(`session ${sessionId} started (agent ${agent.name})`);
      expect(result.stdout).toMatch(/#1 +user +Write a haiku file please/);
      expect(result.stdout).toMatch(/tool +write_file path="haiku.md" content=\(/);
      expect(result.stdout).toMatch(/result +✓ write_file: Created haiku.md/);
      expect(result.stdout).toMatch(/session +idle \(end_turn\)/);
      // Not a terminal: the progress is printed as plain lines, never redrawn with \r.
      expect(result.stdout).toMatch(/turn 2 · 1 tool call · tokens in [\d,]+ · out [\d,]+ · cached [\d,]+/);
      expect(result.stdout).not.toContain('\r');
      expect(result.stdout).toContain('final message:\n  Done: haiku.md holds the haiku.');
      expect(fs.readFileSync(path.join(workspaceOf(harness, sessionId), 'haiku.md'), 'utf8')).toBe(
        'old pond\nfrog jumps in\nsplash\n',
      );
    });

    it('`events` prints each event as a line, or as JSON after a sequence number', async () => {
      const snapshot = (await harness.store.readSnapshot(sessionId))!;
      const [text, json] = await Promise.all([
        lucid('events', sessionId),
        lucid('events', sessionId, '--json', '--after', '2'),
      ]);
      expectExit(text, 0);
      const lines = text.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(snapshot.event_count);
      expect(lines[0]).toMatch(/#1 +user +Write a haiku file please/);
      expect(lines[lines.length - 1]).toMatch(/session +terminated/);
      expectExit(json, 0);
      const events = json.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as SessionEvent);
      expect(events.map((event) => event.seq)).toEqual(
        Array.from({ length: snapshot.event_count - 2 }, (_, index) => index + 3),
      );
    });

    it('`sessions` lists it through Temporal visibility, filtered by agent and status', async () => {
      const listed = await waitFor(
        () => lucid('sessions', '--agent', agent.name, '--status', 'terminated'),
        (result) => result.stdout.includes(sessionId),
      );
      expectExit(listed, 0);
      expect(listed.stdout).toMatch(/^ID +AGENT +STATUS +STARTED/);
      expect(listed.stdout).toMatch(
        new RegExp(`${sessionId} +${agent.name} +terminated +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d`),
      );
    });
  });

  describe('a lead delegating to two sub-agents in one turn', () => {
    const sessionId = `cli-lead-${unique}`;
    const subAgent = (name: string, system: string): AgentDefinition => ({
      name,
      model: 'scripted-sub',
      system,
      tools: ['write_file'],
      max_turns: 3,
      max_tokens: 256,
    });
    const lead: AgentDefinition = {
      name: `cli-lead-${unique}`,
      model: 'scripted-lead',
      system: 'LEAD-SYSTEM: split the job.',
      tools: ['read_file'],
      max_turns: 4,
      max_tokens: 512,
      subagents: [subAgent('researcher', 'RESEARCHER-SYSTEM'), subAgent('writer', 'WRITER-SYSTEM')],
      thread_limits: { max_concurrent: 25, max_total: 100, max_depth: 1 },
    };
    /** A sub-agent that writes `<file>` and then reports `summary`. */
    const subAgentRules = (system: string, task: string, file: string, summary: string): Rule[] => [
      {
        match: { system, last_user_text: task },
        times: 1,
        reply: { content: [{ type: 'tool_use', name: 'write_file', input: { path: file, content: `${task}\n` } }] },
      },
      {
        match: { system, last_tool_result: `Created ${file}` },
        times: 1,
        reply: { content: [{ type: 'text', text: summary }] },
      },
    ];
    const delegate = (agent: string, task: string) => ({
      type: 'tool_use' as const,
      name: 'delegate',
      input: { agent, task },
    });
    let researcherThread: string;

    it('`run` shows the thread events and how many threads run, and exits 0', async () => {
      fs.writeFileSync(path.join(workDir, 'lead.json'), JSON.stringify(lead));
      harness.model.setScenario({
        rules: [
          ...subAgentRules('RESEARCHER-SYSTEM', 'research alpha', 'alpha.md', 'Alpha notes are in alpha.md.'),
          ...subAgentRules('WRITER-SYSTEM', 'write the intro', 'intro.md', 'The intro is in intro.md.'),
          {
            match: { system: 'LEAD-SYSTEM' },
            times: 1,
            reply: {
              content: [
                delegate('researcher', 'research alpha\nand cite sources'),
                delegate('writer', 'write the intro'),
              ],
            },
          },
          {
            match: { system: 'LEAD-SYSTEM' },
            times: 1,
            reply: { content: [{ type: 'text', text: 'Report assembled.' }] },
          },
        ],
      });
      const result = await lucid('run', 'lead.json', 'Build the report', '--id', sessionId);
      expectExit(result, 0);
      const out = result.stdout;
      const created = out.match(/thread +thread (sthr_\w+) \(researcher\) created/);
      expect(created).not.toBeNull();
      researcherThread = created![1];
      expect(out).toMatch(/thread +thread sthr_\w+ \(writer\) created/);
      expect(out).toContain(`→ ${researcherThread} researcher: research alpha …`);
      expect(out).toContain(`← ${researcherThread} researcher: Alpha notes are in alpha.md.`);
      expect(out).toMatch(/← sthr_\w+ writer: The intro is in intro\.md\./);
      expect(out).toContain(`thread ${researcherThread} (researcher) idle (end_turn)`);
      // A pipe gets a progress line each time a thread finishes its task.
      expect(out).toMatch(/turn 1 · 2 tool calls · threads: 1 running \/ 2 · tokens/);
      expect(out).toMatch(/turn 1 · 2 tool calls · threads: 0 running \/ 2 · tokens/);
      expect(out).toContain('final message:\n  Report assembled.');
    });

    it('`threads` lists both threads with agent, status, turns and tokens', async () => {
      const [text, json, follow] = await Promise.all([
        lucid('threads', sessionId),
        lucid('threads', sessionId, '--json'),
        lucid('threads', sessionId, '--follow'),
      ]);
      expectExit(text, 0);
      const lines = text.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^SESSION \/ THREAD +AGENT +STATUS +TURNS +TOKENS IN +OUT +CACHED$/);
      expect(lines[1]).toMatch(new RegExp(`^${sessionId} +${lead.name} +terminated +2 +[1-9][\\d,]* +[1-9]`));
      expect(lines[2]).toMatch(new RegExp(`^├─ ${researcherThread} +researcher +terminated +2 +[1-9][\\d,]* +[1-9]`));
      expect(lines[3]).toMatch(/^└─ sthr_\w+ +writer +terminated +2 +[1-9][\d,]* +[1-9]/);
      expect(lines[4]).toMatch(
        /^2 threads: 0 running, 0 idle, 2 terminated · 6 turns · tokens in [\d,]+ · out [\d,]+ · cached [\d,]+$/,
      );
      expectExit(json, 0);
      const tree = JSON.parse(json.stdout);
      expect(tree).toMatchObject({ session_id: sessionId, thread_id: null, status: 'terminated' });
      expect(tree.threads.map((thread: { agent_name: string }) => thread.agent_name)).toEqual(['researcher', 'writer']);
      expect(tree.threads[0].session_id).toBe(`${sessionId}/${researcherThread}`);
      // Following a session that has ended shows its tree once, as it ended, and returns.
      expectExit(follow, 0);
      expect(follow.stdout).toMatch(/^at \d\d:\d\d:\d\d\n/);
      expect(follow.stdout.split('\n').slice(1).join('\n')).toBe(text.stdout);
    });

    it("`events --thread` prints the thread's own log, and exits 4 for a thread the session does not have", async () => {
      const [own, missing] = await Promise.all([
        lucid('events', sessionId, '--thread', researcherThread),
        lucid('events', sessionId, '--thread', 'sthr_nosuchthread'),
      ]);
      expectExit(own, 0);
      expect(own.stdout).toMatch(/#1 +user +research alpha ↵ and cite sources/);
      expect(own.stdout).toMatch(/tool +write_file path="alpha.md" content=/);
      expect(own.stdout).toMatch(/agent +Alpha notes are in alpha\.md\./);
      expect(own.stdout).not.toContain('intro');
      expectExit(missing, 4);
      expect(missing.stderr).toContain(`no thread sthr_nosuchthread in session "${sessionId}"`);
    });
  });

  it('`send` wakes a kept-alive session and `status` shows its answer', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { last_user_text: 'Remember the number 42' },
          times: 1,
          reply: { content: [{ type: 'text', text: 'Noted: 42.' }] },
        },
        {
          match: { last_user_text: 'What was the number' },
          times: 1,
          reply: { content: [{ type: 'text', text: 'The number was 42.' }] },
        },
      ],
    });
    const sessionId = `cli-keep-alive-${unique}`;
    try {
      const run = await lucid('run', 'agent.json', 'Remember the number 42', '--keep-alive', '60', '--id', sessionId);
      expectExit(run, 0); // returns when the first turn ends, not when the session does
      expect(run.stdout).toContain('Noted: 42.');
      expect(run.stdout).toContain(`lucid send ${sessionId}`);

      const idle = await lucid('interrupt', sessionId);
      expectExit(idle, 0);
      expect(idle.stdout).toBe(`no interrupt sent to ${sessionId}: the session is idle, so there is no turn to stop\n`);

      const sent = await lucid('send', sessionId, 'What was the number?');
      expectExit(sent, 0);
      // The update answers with the event the message was recorded as.
      const seq = Number(/\(event (\d+)\)/.exec(sent.stdout)?.[1]);
      expect((await harness.store.readEvents(sessionId)).find((event) => event.seq === seq)).toMatchObject({
        type: 'user.message',
        content: [{ type: 'text', text: 'What was the number?' }],
      });
      const snapshot = await waitFor(
        () => harness.lucid.snapshot(sessionId),
        (current) => current?.final_message === 'The number was 42.' && current.status === 'idle',
      );
      expect(snapshot?.final_message).toBe('The number was 42.');

      const [text, json] = await Promise.all([lucid('status', sessionId), lucid('status', sessionId, '--json')]);
      expectExit(text, 0);
      expect(text.stdout).toMatch(/status +idle · stop reason end_turn/);
      expect(text.stdout).toMatch(/workflow +RUNNING/);
      expect(text.stdout).toContain('final message:\n  The number was 42.');
      expectExit(json, 0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        session_id: sessionId,
        status: 'idle',
        turns: 2,
        final_message: 'The number was 42.',
      });
    } finally {
      await harness.temporal.client.workflow
        .getHandle(sessionId)
        .terminate('test over')
        .catch(() => {});
    }
  });

  it('`interrupt` stops a running turn before its next model request', async () => {
    harness.model.setScenario({
      rules: [
        {
          match: { last_user_text: 'List everything slowly' },
          times: 1,
          delay_ms: 5_000,
          reply: { content: [{ type: 'tool_use', name: 'list_files', input: { pattern: '**' } }] },
        },
        { name: 'after the interrupt', reply: { content: [{ type: 'text', text: 'This must not be asked for.' }] } },
      ],
    });
    const sessionId = `cli-interrupt-${unique}`;
    const started = await lucid('run', 'agent.json', 'List everything slowly', '--detach', '--id', sessionId);
    expectExit(started, 0);
    expect(started.stdout.trim()).toBe(sessionId);

    const interrupted = await lucid('interrupt', sessionId);
    expectExit(interrupted, 0);
    expect(interrupted.stdout).toContain(`interrupt sent to ${sessionId}`);

    const snapshot = await harness.lucid.result(sessionId);
    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    expect(snapshot.turns).toBe(1);
    const types = (await harness.store.readEvents(sessionId)).map((event) => event.type);
    expect(types).toContain('user.interrupt');
    expect(types.filter((type) => type === 'span.model_request_start')).toHaveLength(1);
  });

  describe('a session a terminal model error ended', () => {
    const sessionId = `cli-terminal-error-${unique}`;

    it('`run` exits 1 naming the error, and `status` prints it and exits 1', async () => {
      harness.model.setScenario({
        rules: [{ match: {}, reply: { error: { status: 400, message: 'max_tokens: too large for this model' } } }],
      });
      const run = await lucid('run', 'agent.json', 'Say hello', '--id', sessionId);
      expectExit(run, 1);
      expect(run.stderr).toMatch(/did not end normally: session error: .*max_tokens: too large for this model/);

      const [text, json] = await Promise.all([lucid('status', sessionId), lucid('status', sessionId, '--json')]);
      expectExit(text, 1);
      expect(text.stdout).toMatch(/status +terminated · stop reason error/);
      expect(text.stdout).toMatch(/error +model_request_failed_error \(terminal\): .*max_tokens: too large/);
      expect(text.stderr).toMatch(/ended on an error: .*max_tokens: too large for this model/);
      expectExit(json, 1);
      expect(JSON.parse(json.stdout)).toMatchObject({
        status: 'terminated',
        stop_reason: { type: 'error' },
        error: { type: 'model_request_failed_error', retry_status: { type: 'terminal' } },
      });
    });

    it('`sessions` marks it', async () => {
      const listed = await waitFor(
        () => lucid('sessions', '--agent', agent.name),
        (result) => result.stdout.includes(sessionId),
      );
      expectExit(listed, 0);
      expect(listed.stdout).toMatch(new RegExp(`${sessionId} +${agent.name} +terminated \\(error\\) +\\d{4}-`));
    });
  });

  it('reports a session whose workflow failed before its first snapshot as failed, with its message', async () => {
    const sessionId = `cli-unknown-agent-${unique}`;
    const run = await lucid('run', 'no-such-agent', 'hi', '--id', sessionId);
    expectExit(run, 1);
    expect(run.stderr).toMatch(/session .* failed: agent "no-such-agent" not found/);
    const status = await lucid('status', sessionId);
    expectExit(status, 1);
    expect(status.stderr).toMatch(/session "cli-unknown-agent-.*" failed: agent "no-such-agent" not found/);
    expect(status.stderr).not.toContain('no worker has picked it up');
  });

  it('`events | head` ends quietly when the reader goes away', async () => {
    // One event far larger than a pipe's buffer: the reader is gone before it is all written.
    harness.model.setScenario({
      rules: [{ match: {}, repeat_text: { text: 'lorem ipsum ', count: 20_000 }, reply: { content: [] } }],
    });
    const sessionId = await harness.lucid.startSession({ agent, message: 'Say a lot' });
    await harness.lucid.result(sessionId);
    const result = await runLucid(['events', sessionId, '--json'], env, workDir, { closeStdoutAfterFirstChunk: true });
    expect(result.stderr).toBe('');
    expectExit(result, 0);
  });

  describe('a session with an outcome', () => {
    const sessionId = `cli-outcome-${unique}`;

    it('`run --rubric` shows each evaluation and its criteria, and exits 0 once the outcome is satisfied', async () => {
      harness.model.setScenario({
        rules: [
          graderSays('needs_revision', 'The haiku needs a third line.', threeLines(false, 'only two lines')),
          graderSays('satisfied', 'Three lines now.', threeLines(true, 'three lines')),
          ...agentSays('old pond / frog jumps in', 'old pond / frog jumps in / splash'),
        ],
      });
      const result = await lucid('run', 'agent.json', 'Write a haiku', '--rubric', 'rubric.md', '--id', sessionId);
      expectExit(result, 0);
      const out = result.stdout;
      expect(out).toMatch(/outcome +outcome outc_\w+ defined: Write a haiku \(max 3 evaluations\)/);
      expect(out).toMatch(/grader +grading outc_\w+ — evaluation 1 of 3/);
      expect(out).toMatch(/grader +outc_\w+ evaluation 1 of 3: needs_revision — The haiku needs a third line\./);
      expect(out).toMatch(/\n {24}✗ The haiku has three lines: only two lines\n/);
      expect(out).toMatch(/outcome: evaluation 1 of 3 · needs_revision, agent revising · tokens in/);
      expect(out).toMatch(/grader +outc_\w+ evaluation 2 of 3: satisfied — Three lines now\./);
      expect(out).toMatch(/\n {24}✓ The haiku has three lines: three lines\n/);
      expect(out.indexOf('✗ The haiku')).toBeLessThan(out.indexOf(': satisfied —'));
      // The final snapshot: the outcome and the grader's tokens, apart from the agent's.
      expect(out).toMatch(/\ngrader +in [\d,]+ \(cached [\d,]+, cache writes [\d,]+\) · out [1-9]/);
      expect(out).toMatch(
        /outcomes:\n {2}outc_\w+ {2}satisfied · evaluation 2 of 3 · Write a haiku\n +Three lines now\./,
      );
    });

    it('`status` shows the outcome evaluations and the grader tokens apart from the agent tokens', async () => {
      const result = await lucid('status', sessionId);
      expectExit(result, 0);
      const snapshot = (await harness.store.readSnapshot(sessionId))!;
      const agentIn =
        snapshot.usage.input_tokens +
        snapshot.usage.cache_read_input_tokens +
        snapshot.usage.cache_creation_input_tokens;
      expect(result.stdout).toContain(`tokens     in ${agentIn.toLocaleString('en-US')} `);
      expect(result.stdout).toContain(`grader     in `);
      expect(result.stdout).toContain(`· out ${snapshot.grader_usage.output_tokens.toLocaleString('en-US')}\n`);
      expect(result.stdout).toContain(
        `${snapshot.outcome_evaluations[0].outcome_id}  satisfied · evaluation 2 of 3 · Write a haiku`,
      );
    });
  });

  it('`run --rubric` exits 1 when the grader finds the outcome failed', async () => {
    harness.model.setScenario({
      rules: [
        graderSays('failed', 'There is no haiku to grade.', threeLines(false, 'no haiku')),
        ...agentSays('I would rather not.'),
      ],
    });
    const result = await lucid(
      'run',
      'agent.json',
      'Write a haiku',
      '--rubric',
      'rubric.md',
      '--max-iterations',
      '2',
      '--outcome',
      'A haiku',
    );
    expectExit(result, 1);
    expect(result.stdout).toMatch(/outcome outc_\w+ defined: A haiku \(max 2 evaluations\)/);
    expect(result.stdout).toMatch(/evaluation 1 of 2: failed — There is no haiku to grade\./);
    expect(result.stderr).toMatch(/outcome outc_\w+ ended failed: There is no haiku to grade\./);
  });

  it('`outcome` gives a kept-alive session an outcome, which it then works on', async () => {
    harness.model.setScenario({
      rules: [
        graderSays('satisfied', 'Fine.', threeLines(true, 'three lines')),
        { match: { last_user_text: 'Say hello' }, times: 1, reply: { content: [{ type: 'text', text: 'Hello.' }] } },
        ...agentSays('old pond / frog jumps in / splash'),
      ],
    });
    const sessionId = `cli-outcome-signal-${unique}`;
    try {
      expectExit(await lucid('run', 'agent.json', 'Say hello', '--keep-alive', '60', '--id', sessionId), 0);
      const sent = await lucid(
        'outcome',
        sessionId,
        '--rubric',
        'rubric.md',
        '--description',
        'A haiku',
        '--hide-rubric',
      );
      expectExit(sent, 0);
      expect(sent.stdout).toMatch(new RegExp(`^outcome sent to ${sessionId} and taken up \\(event \\d+\\)`));
      const snapshot = await waitFor(
        () => harness.lucid.snapshot(sessionId),
        (current) => current?.outcome_evaluations[0]?.result === 'satisfied',
      );
      expect(snapshot?.outcome_evaluations).toEqual([
        expect.objectContaining({ description: 'A haiku', result: 'satisfied' }),
      ]);
    } finally {
      await harness.temporal.client.workflow
        .getHandle(sessionId)
        .terminate('test over')
        .catch(() => {});
    }
  });

  it('exits 2 for bad outcome options, before connecting', async () => {
    fs.writeFileSync(path.join(workDir, 'empty-rubric.md'), '  \n');
    const run = (...options: string[]) => ['run', 'agent.json', 'Write a haiku', ...options];
    // The two from the docs as real subprocesses; the rest in this process, which is much faster and equally real
    // for checks that happen before the CLI connects.
    const [zero, tooMany] = await Promise.all([
      lucid(...run('--rubric', 'rubric.md', '--max-iterations', '0')),
      lucid(...run('--rubric', 'rubric.md', '--max-iterations', '21')),
    ]);
    expectExit(zero, 2);
    expect(zero.stderr).toContain('--max-iterations must be a whole number from 1 to 20, got "0"');
    expect(zero.stderr).toContain('usage: lucid run <agent>');
    expectExit(tooMany, 2);
    expect(tooMany.stderr).toContain('--max-iterations must be a whole number from 1 to 20, got "21"');

    const cases: Array<[args: string[], message: string]> = [
      [run('--rubric', 'no-such-rubric.md'), 'cannot read rubric file no-such-rubric.md: no such file'],
      [run('--rubric', 'empty-rubric.md'), 'rubric file empty-rubric.md is empty'],
      [run('--rubric', 'rubric.md', '--grader-model', ''), 'invalid outcome: --grader-model: Too small'],
      [run('--max-iterations', '2'), '--max-iterations needs --rubric FILE'],
      [run('--outcome', 'A haiku'), '--outcome needs --rubric FILE'],
      [['outcome', 'sesn_whatever', '--description', 'A haiku'], 'missing --rubric FILE'],
      [['outcome', 'sesn_whatever', '--rubric', 'rubric.md'], 'missing --description "..."'],
    ];
    const cwd = process.cwd();
    process.chdir(workDir); // the CLI resolves files against the current folder
    try {
      for (const [args, message] of cases) {
        let stderr = '';
        const code = await runCli(args, {
          stdout: { write: () => true },
          stderr: { write: (text: string) => (stderr += text) },
        });
        expect({ args, code, stderr }).toEqual({ args, code: 2, stderr: expect.stringContaining(message) });
      }
    } finally {
      process.chdir(cwd);
    }
  });

  it('exits 2 with the usage on stderr for usage errors, and prints help with exit 0', async () => {
    fs.writeFileSync(path.join(workDir, 'bad-agent.json'), JSON.stringify({ ...agent, tools: ['rm_rf'] }));
    const [help, noArgs, unknown, missing, badAgent, badStatus] = await Promise.all([
      lucid('help'),
      lucid(),
      lucid('frobnicate'),
      lucid('run', 'agent.json'),
      lucid('run', 'bad-agent.json', 'hi'),
      lucid('sessions', '--status', 'sleepy'),
    ]);
    for (const result of [help, noArgs]) {
      expectExit(result, 0);
      expect(result.stdout).toContain('lucid run <agent> "<message>"');
    }
    expectExit(unknown, 2);
    expect(unknown.stderr).toBe('lucid: unknown command "frobnicate"; see: lucid help\n');
    expectExit(missing, 2);
    expect(missing.stderr).toContain('missing <message>');
    expect(missing.stderr).toContain('usage: lucid run <agent>');
    expectExit(badAgent, 2);
    expect(badAgent.stderr).toMatch(/invalid agent definition in bad-agent\.json: tools\.0/);
    expectExit(badStatus, 2);
    expect(badStatus.stderr).toContain('--status must be one of running, idle, terminated');
    // Checked before connecting, so in this process: as real as a subprocess, and much faster.
    let stderr = '';
    const badThread = await runCli(['events', 'sesn_whatever', '--thread', 'researcher'], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
    });
    expect(badThread).toBe(2);
    expect(stderr).toContain('--thread must be a thread id (sthr_…, see: lucid threads <id>), got "researcher"');
  });

  it('answers a misspelt command or option with one line that suggests the right one', async () => {
    const [command, subcommand, option] = await Promise.all([
      lucid('stauts', 'sesn_whatever'),
      lucid('memory', 'shw', 'store', '/a.md'),
      lucid('run', 'agent.json', 'hi', '--workspce', 'dir'),
    ]);
    for (const result of [command, subcommand, option]) {
      expectExit(result, 2);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(command.stderr).toBe('lucid: unknown command "stauts" (did you mean "status"?); see: lucid help\n');
    expect(subcommand.stderr).toContain('unknown command "memory shw" (did you mean "memory show"?)');
    expect(option.stderr).toBe(
      'lucid: unknown option "--workspce" for lucid run (did you mean "--workspace"?); see: lucid run --help\n',
    );
  });

  it('exits 3 quickly with a one-line hint when the server cannot be reached', async () => {
    const result = await runLucid(['status', 'sesn_whatever'], { ...env, TEMPORAL_ADDRESS: '127.0.0.1:1' }, workDir);
    expectExit(result, 3);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('cannot reach the Temporal server at 127.0.0.1:1');
    expect(result.stderr).toContain('npm run temporal -- server start-dev');
    expect(result.milliseconds).toBeLessThan(10_000);
  });

  it('exits 4 for an unknown session id', async () => {
    const missingId = `sesn_missing_${unique}`;
    const results = await Promise.all([
      lucid('status', missingId),
      lucid('events', missingId),
      lucid('send', missingId, 'hello?'),
    ]);
    for (const result of results) {
      expectExit(result, 4);
      expect(result.stderr).toContain(`no session with id "${missingId}"`);
    }
  });
});

describe('render-event', () => {
  const at = '2025-03-04T05:06:07.000Z';
  let seq = 0;
  const event = (body: SessionEventBody): SessionEvent =>
    ({ id: `sevt_x_${++seq}`, seq, processed_at: at, ...body }) as SessionEvent;
  const usage = {
    input_tokens: 100,
    output_tokens: 20,
    cache_read_input_tokens: 1_000,
    cache_creation_input_tokens: 50,
  };
  const render = (body: SessionEventBody, toolName?: string) =>
    renderEvent({ ...event(body), seq: 7 }, { timeZone: 'UTC', toolName: () => toolName });

  it('renders the images and documents of a user message by their files', () => {
    const content: UserContentBlock[] = [
      { type: 'text', text: 'read these' },
      { type: 'image', source: { type: 'file', file_id: 'file_img' } },
      { type: 'document', source: { type: 'file', file_id: 'file_pdf' }, title: 'Report', estimated_tokens: 6000 },
      { type: 'document', source: { type: 'file', file_id: 'file_txt' }, estimated_tokens: 12 },
    ];
    expect(render({ type: 'user.message', content })).toBe(
      '05:06:07  #7   user     read these ↵ [image file_img] ↵ [document "Report" file_pdf, ~6000 tokens] ↵ ' +
        '[document file_txt, ~12 tokens]',
    );
  });

  it('renders each kind of event as one aligned line', () => {
    expect(render({ type: 'user.message', content: [{ type: 'text', text: 'Hello\n\n  there' }] })).toBe(
      '05:06:07  #7   user     Hello ↵ there',
    );
    expect(render({ type: 'agent.tool_use', tool_use_id: 't1', name: 'read_file', input: { path: 'a.md' } })).toBe(
      '05:06:07  #7   tool     read_file path="a.md"',
    );
    expect(
      render(
        {
          type: 'agent.tool_result',
          tool_use_id: 't1',
          content: [{ type: 'text', text: 'no such file' }],
          is_error: true,
        },
        'read_file',
      ),
    ).toBe('05:06:07  #7   result   ✗ read_file: no such file');
    expect(
      render({ type: 'span.model_request_end', model_request_start_id: 's', is_error: false, model_usage: usage }),
    ).toBe('05:06:07  #7   model    answered (in 1,150 · out 20 · cached 1,000)');
    expect(
      render({ type: 'session.status_idle', stop_reason: { type: 'max_turns_reached' }, stop_details: null }),
    ).toBe('05:06:07  #7   session  idle (max_turns_reached)');
    expect(
      render({
        type: 'session.error',
        error: { type: 'model_overloaded_error', message: 'busy', retry_status: { type: 'retrying' } },
      }),
    ).toBe('05:06:07  #7   error    model_overloaded_error (retrying): busy');
    expect(
      render({
        type: 'agent.tool_result',
        tool_use_id: 't9',
        content: [{ type: 'text', text: 'ok' }],
        is_error: false,
      }),
    ).toBe('05:06:07  #7   result   ✓ tool: ok');
  });

  it('keeps long text and tool inputs short', () => {
    expect(oneLine('x'.repeat(500), 20)).toBe(`${'x'.repeat(19)}…`);
    expect(oneLine('😀'.repeat(30), 10)).toBe(`${'😀'.repeat(9)}…`);
    expect(describeToolInput({ path: 'notes.md', content: 'a\nb' })).toBe('path="notes.md" content=(3 chars)');
    expect(describeToolInput({ pattern: '**/*.md' })).toBe('pattern="**/*.md"');
  });

  it('accumulates turns, tool calls and tokens for the progress line', () => {
    const events = [
      event({ type: 'span.model_request_start', model: 'm' }),
      event({ type: 'agent.tool_use', tool_use_id: 'a', name: 'list_files', input: {} }),
      event({ type: 'agent.tool_use', tool_use_id: 'b', name: 'read_file', input: {} }),
      event({ type: 'span.model_request_end', model_request_start_id: 's', is_error: false, model_usage: usage }),
      event({ type: 'span.model_request_start', model: 'm' }),
      event({ type: 'span.model_request_end', model_request_start_id: 's', is_error: false, model_usage: usage }),
    ];
    const progress = events.reduce(advanceProgress, INITIAL_PROGRESS);
    expect(progress.toolNames).toEqual({ a: 'list_files', b: 'read_file' });
    expect(renderProgress(progress)).toBe('turn 2 · 2 tool calls · tokens in 2,300 · out 40 · cached 2,000');
    expect(INITIAL_PROGRESS.turns).toBe(0); // advancing never changes the earlier value
  });

  it('tells a normal end from a failed one', () => {
    const tracker = new SessionEndingTracker();
    tracker.observe(event({ type: 'session.status_idle', stop_reason: { type: 'end_turn' }, stop_details: null }));
    expect(tracker.ending(null)).toEqual({ ok: true });
    tracker.observe(event({ type: 'session.status_running' }));
    tracker.observe(
      event({
        type: 'session.error',
        error: { type: 'unknown_error', message: 'bad key', retry_status: { type: 'terminal' } },
      }),
    );
    expect(tracker.ending(null)).toEqual({ ok: false, reason: 'session error: bad key' });
  });

  it('renders a snapshot with its final message', () => {
    const snapshot: SessionSnapshot = {
      session_id: 'sesn_1',
      agent: 'scribe',
      status: 'terminated',
      stop_reason: { type: 'end_turn' },
      final_message: 'All done.\nBye.',
      usage,
      grader_usage: usage,
      outcome_evaluations: [],
      threads: [],
      turns: 3,
      event_count: 12,
      workspace: '/tmp/w',
      created_at: at,
      updated_at: at,
    };
    const text = renderSnapshot(snapshot);
    expect(text).toContain('status     terminated · stop reason end_turn');
    expect(text).toContain('tokens     in 1,150 (cached 1,000, cache writes 50) · out 20');
    expect(text.endsWith('final message:\n  All done.\n  Bye.')).toBe(true);
  });
});

describe('render outcomes', () => {
  const usage = { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  const define: SessionEventBody = {
    type: 'user.define_outcome',
    outcome_id: 'outc_1',
    description: 'Write report.md\nabout risks',
    rubric: { type: 'text', content: '- three risks' },
    max_iterations: 3,
    rubric_hidden: false,
  };
  const start = (iteration: number): SessionEventBody => ({
    type: 'span.outcome_evaluation_start',
    outcome_id: 'outc_1',
    iteration,
  });
  const ongoing = (iteration: number): SessionEventBody => ({
    type: 'span.outcome_evaluation_ongoing',
    outcome_id: 'outc_1',
    iteration,
  });
  const end = (iteration: number, result: 'needs_revision' | 'satisfied'): SessionEventBody => ({
    type: 'span.outcome_evaluation_end',
    outcome_evaluation_start_id: 'sevt_start',
    outcome_id: 'outc_1',
    iteration,
    result,
    explanation: result === 'satisfied' ? 'All met.' : 'List three risks.',
    criteria: [
      { criterion: 'Has a title', met: true, explanation: 'has "# Risks"' },
      {
        criterion: 'Lists three risks',
        met: result === 'satisfied',
        explanation: result === 'satisfied' ? 'three' : 'only one',
      },
    ],
    max_iterations: 3,
    usage,
  });
  let seq = 0;
  /** Events one second apart, from 05:06:00 UTC. */
  const event = (body: SessionEventBody, second = 0): SessionEvent =>
    ({
      id: `sevt_o_${++seq}`,
      seq: 7,
      processed_at: `2025-03-04T05:06:${String(second).padStart(2, '0')}.000Z`,
      ...body,
    }) as SessionEvent;
  const lines = (body: SessionEventBody, maxIterations?: number) =>
    renderEventLines(event(body), { timeZone: 'UTC', outcomeMaxIterations: () => maxIterations });

  it('renders the definition, the start, the heartbeat and the end of an evaluation', () => {
    expect(lines(define)).toEqual([
      '05:06:00  #7   outcome  outcome outc_1 defined: Write report.md ↵ about risks (max 3 evaluations)',
    ]);
    expect(lines({ ...define, max_iterations: 1, rubric_hidden: true })[0]).toMatch(
      /\(max 1 evaluation, rubric hidden from the agent\)$/,
    );
    expect(lines(start(1), 3)).toEqual(['05:06:00  #7   grader   grading outc_1 — evaluation 2 of 3']);
    expect(lines(start(1))).toEqual(['05:06:00  #7   grader   grading outc_1 — evaluation 2']); // definition not seen
    expect(lines(ongoing(0), 3)).toEqual(['05:06:00  #7   grader   still grading outc_1 — evaluation 1 of 3']);
    expect(lines(end(0, 'needs_revision'))).toEqual([
      '05:06:00  #7   grader   outc_1 evaluation 1 of 3: needs_revision — List three risks.',
      '                        ✓ Has a title: has "# Risks"',
      '                        ✗ Lists three risks: only one',
    ]);
  });

  it('shows where the outcome stands in the progress line', () => {
    const progressAfter = (...events: SessionEvent[]) =>
      renderProgress(events.reduce(advanceProgress, INITIAL_PROGRESS));
    const defined = event(define, 0);
    expect(progressAfter(defined)).toBe(
      'turn 0 · 0 tool calls · outcome: evaluation 1 of 3 · agent working · tokens in 0 · out 0 · cached 0',
    );
    expect(progressAfter(defined, event(start(0), 10))).toContain('· outcome: evaluation 1 of 3 · grading · tokens');
    expect(progressAfter(defined, event(start(0), 10), event(ongoing(0), 25))).toContain(
      '· outcome: evaluation 1 of 3 · grading 15s ·',
    );
    expect(progressAfter(defined, event(start(0), 10), event(end(0, 'needs_revision'), 30))).toContain(
      '· outcome: evaluation 1 of 3 · needs_revision, agent revising ·',
    );
    expect(
      progressAfter(defined, event(end(0, 'needs_revision')), event(start(1)), event(end(1, 'satisfied'))),
    ).toContain('· outcome: evaluation 2 of 3 · satisfied ·');
  });

  it('keeps grader heartbeats in the progress line on a terminal, and prints them as lines in a pipe', () => {
    const printed = (isTTY: boolean) => {
      let output = '';
      const printer = new EventPrinter(
        { write: (text: string) => (output += text), isTTY, columns: 200 },
        { showProgress: true },
      );
      for (const body of [define, start(0)]) printer.print(event(body, 0));
      const before = output.length;
      printer.print(event(ongoing(0), 5));
      return output.slice(before);
    };
    const terminal = printed(true);
    expect(terminal).not.toContain('still grading');
    expect(terminal).toContain('outcome: evaluation 1 of 3 · grading 5s');
    expect(terminal).not.toContain('\n');
    expect(printed(false)).toMatch(/grader +still grading outc_1 — evaluation 1 of 3\n$/);
  });

  const evaluation = (result: OutcomeEvaluation['result'], explanation: string | null): OutcomeEvaluation => ({
    type: 'outcome_evaluation',
    outcome_id: 'outc_1',
    description: 'Write report.md',
    result,
    iteration: 1,
    max_iterations: 3,
    explanation,
    completed_at: null,
  });
  const snapshotWith = (outcome_evaluations: OutcomeEvaluation[]): SessionSnapshot => ({
    session_id: 'sesn_1',
    agent: 'scribe',
    status: 'terminated',
    stop_reason: { type: 'end_turn' },
    final_message: 'Done.',
    usage,
    grader_usage: { ...usage, input_tokens: 2_000, output_tokens: 90 },
    outcome_evaluations,
    threads: [],
    turns: 2,
    event_count: 20,
    workspace: '/tmp/w',
    created_at: '2025-03-04T05:06:00.000Z',
    updated_at: '2025-03-04T05:06:00.000Z',
  });

  it('exits 0 only when every outcome ended satisfied', () => {
    expect(outcomesEnding(snapshotWith([]))).toEqual({ ok: true });
    expect(outcomesEnding(snapshotWith([evaluation('satisfied', 'ok')]))).toEqual({ ok: true });
    expect(
      outcomesEnding(
        snapshotWith([evaluation('satisfied', 'ok'), evaluation('max_iterations_reached', 'Still one risk.')]),
      ),
    ).toEqual({
      ok: false,
      reason: 'outcome outc_1 ended max_iterations_reached: Still one risk.',
    });
    expect(outcomesEnding(snapshotWith([evaluation('running', null)]))).toEqual({
      ok: false,
      reason: 'outcome outc_1 did not finish (running)',
    });
  });

  it('renders the outcomes and the grader tokens of a snapshot', () => {
    const text = renderSnapshot(snapshotWith([evaluation('grader_error', 'grader error: no verdict')]));
    expect(text).toContain(
      'tokens     in 100 (cached 0, cache writes 0) · out 20\ngrader     in 2,000 (cached 0, cache writes 0) · out 90',
    );
    expect(text).toContain(
      'outcomes:\n  outc_1  grader_error · evaluation 2 of 3 · Write report.md\n          grader error: no verdict\nfinal message:',
    );
    expect(renderSnapshot(snapshotWith([]))).not.toMatch(/grader|outcomes:/);
  });
});

describe('render threads', () => {
  let seq = 0;
  const event = (body: SessionEventBody): SessionEvent =>
    ({ id: `sevt_t_${++seq}`, seq: 9, processed_at: '2025-03-04T05:06:07.000Z', ...body }) as SessionEvent;
  const line = (body: SessionEventBody) => renderEvent(event(body), { timeZone: 'UTC', maxTextLength: 40 });
  const text = (value: string) => [{ type: 'text' as const, text: value }];
  const created = (thread: string, agent: string): SessionEventBody => ({
    type: 'session.thread_created',
    session_thread_id: thread,
    agent_name: agent,
    workflow_run_id: null,
  });
  const running = (thread: string, agent: string): SessionEventBody => ({
    type: 'session.thread_status_running',
    session_thread_id: thread,
    agent_name: agent,
  });
  const idle = (thread: string, agent: string): SessionEventBody => ({
    type: 'session.thread_status_idle',
    session_thread_id: thread,
    agent_name: agent,
    stop_reason: { type: 'end_turn' },
    stop_details: null,
  });
  const terminated = (thread: string, agent: string): SessionEventBody => ({
    type: 'session.thread_status_terminated',
    session_thread_id: thread,
    agent_name: agent,
  });

  it('renders each thread event as one line', () => {
    expect(line(created('sthr_a', 'researcher'))).toBe('05:06:07  #9   thread   thread sthr_a (researcher) created');
    expect(line(running('sthr_a', 'researcher'))).toBe('05:06:07  #9   thread   thread sthr_a (researcher) running');
    expect(line(idle('sthr_a', 'researcher'))).toBe(
      '05:06:07  #9   thread   thread sthr_a (researcher) idle (end_turn)',
    );
    expect(line(terminated('sthr_a', 'researcher'))).toBe(
      '05:06:07  #9   thread   thread sthr_a (researcher) terminated',
    );
    // The task's first line only, cut to the text length; the result on one line, cut likewise.
    expect(
      line({
        type: 'agent.thread_message_sent',
        to_session_thread_id: 'sthr_a',
        to_agent_name: 'researcher',
        content: text('Find the facts\nin detail'),
      }),
    ).toBe('05:06:07  #9   thread   → sthr_a researcher: Find the facts …');
    expect(
      line({
        type: 'agent.thread_message_sent',
        to_session_thread_id: 'sthr_a',
        to_agent_name: 'researcher',
        content: text('x'.repeat(100)),
      }),
    ).toBe(`05:06:07  #9   thread   → sthr_a researcher: ${'x'.repeat(39)}…`);
    expect(
      line({
        type: 'agent.thread_message_received',
        from_session_thread_id: 'sthr_a',
        from_agent_name: 'researcher',
        content: text('Done.\nSee facts.md'),
      }),
    ).toBe('05:06:07  #9   thread   ← sthr_a researcher: Done. ↵ See facts.md');
  });

  it('counts running threads in the progress line, and prints it in a pipe when a thread finishes', () => {
    let output = '';
    const printer = new EventPrinter(
      { write: (chunk: string) => (output += chunk), isTTY: false },
      { showProgress: true },
    );
    const progressLines = () => output.split('\n').filter((row) => row.startsWith('  turn'));
    for (const body of [created('sthr_a', 'r'), running('sthr_a', 'r'), created('sthr_b', 'w'), running('sthr_b', 'w')])
      printer.print(event(body));
    expect(progressLines()).toEqual([]); // starting threads prints no progress of its own
    expect(renderProgress(printer.currentProgress)).toBe(
      'turn 0 · 0 tool calls · threads: 2 running / 2 · tokens in 0 · out 0 · cached 0',
    );
    printer.print(event(idle('sthr_a', 'r')));
    expect(progressLines()).toEqual([
      '  turn 0 · 0 tool calls · threads: 1 running / 2 · tokens in 0 · out 0 · cached 0',
    ]);
    printer.print(event(terminated('sthr_a', 'r'))); // an idle thread closing changes nothing running
    expect(progressLines()).toHaveLength(1);
    printer.print(event(terminated('sthr_b', 'w'))); // ended during its task
    expect(progressLines()[1]).toContain('threads: 0 running / 2');
  });

  const usage = (input: number, output: number, cached = 0): Usage => ({
    input_tokens: input,
    output_tokens: output,
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: 0,
  });
  const summary = (
    parent: string,
    thread: string,
    agent: string,
    status: ThreadSummary['status'],
    turns: number,
    used: Usage,
  ): ThreadSummary => ({
    thread_id: thread,
    session_id: `${parent}/${thread}`,
    agent_name: agent,
    status,
    turns,
    usage: used,
  });
  const snapshot = (
    sessionId: string,
    agent: string,
    status: SessionSnapshot['status'],
    turns: number,
    used: Usage,
    threads: ThreadSummary[] = [],
  ): SessionSnapshot => ({
    session_id: sessionId,
    agent,
    status,
    stop_reason: null,
    final_message: null,
    usage: used,
    grader_usage: usage(0, 0),
    outcome_evaluations: [],
    threads,
    turns,
    event_count: 1,
    workspace: '/tmp/w',
    created_at: '2025-03-04T05:06:07.000Z',
    updated_at: '2025-03-04T05:06:07.000Z',
  });

  it("builds the tree from snapshots, nested threads included, with each session's own tokens", async () => {
    // Totals include the threads': lead 100/10 of its own, researcher 50/5 of its own plus its checker's 20/2.
    const lead = snapshot('sesn_1', 'lead', 'running', 2, usage(100 + 70 + 30, 10 + 7 + 3), [
      summary('sesn_1', 'sthr_r', 'researcher', 'running', 1, usage(60, 6)), // stale: the thread's own snapshot is fresher
      summary('sesn_1', 'sthr_w', 'writer', 'running', 0, usage(30, 3)),
    ]);
    const researcher = snapshot('sesn_1/sthr_r', 'researcher', 'running', 3, usage(70, 7, 40), [
      summary('sesn_1/sthr_r', 'sthr_c', 'checker', 'idle', 1, usage(20, 2)),
    ]);
    const checker = snapshot('sesn_1/sthr_r/sthr_c', 'checker', 'idle', 1, usage(20, 2));
    const stored = new Map([researcher, checker].map((value) => [value.session_id, value]));
    const read = jest.fn(async (sessionId: string) => stored.get(sessionId) ?? null);

    const tree = await buildThreadTree(lead, read);
    expect(read.mock.calls.map(([id]) => id).sort()).toEqual([
      'sesn_1/sthr_r',
      'sesn_1/sthr_r/sthr_c',
      'sesn_1/sthr_w',
    ]);
    expect(tree.usage).toEqual(usage(110, 11)); // 200 − 60 − 30: the lead's own, by its own summaries
    expect(tree.threads[0]).toMatchObject({
      thread_id: 'sthr_r',
      status: 'running',
      turns: 3,
      usage: usage(50, 5, 40),
      source: 'snapshot',
    });
    expect(tree.threads[0].threads[0]).toMatchObject({
      thread_id: 'sthr_c',
      agent_name: 'checker',
      status: 'idle',
      usage: usage(20, 2),
    });
    expect(tree.threads[1]).toMatchObject({
      thread_id: 'sthr_w',
      agent_name: 'writer',
      turns: 0,
      usage: usage(30, 3),
      source: 'lead',
    }); // no snapshot yet

    expect(renderThreadTree(tree)).toEqual([
      'SESSION / THREAD  AGENT       STATUS   TURNS  TOKENS IN  OUT  CACHED',
      'sesn_1            lead        running      2        110   11       0',
      '├─ sthr_r         researcher  running      3         90    5      40',
      '│  └─ sthr_c      checker     idle         1         20    2       0',
      '└─ sthr_w         writer      running      0         30    3       0',
      '3 threads: 2 running, 1 idle, 0 terminated · 6 turns · tokens in 250 · out 21 · cached 40',
    ]);
    expect(renderThreadTree(await buildThreadTree(checker, read)).slice(-1)).toEqual([
      'no threads · 1 turn · tokens in 20 · out 2 · cached 0',
    ]);
  });

  it('redraws a followed view in place on a terminal, and prints only changes in a pipe', () => {
    const shown = (isTTY: boolean) => {
      let output = '';
      const view = new LiveView({ write: (chunk: string) => (output += chunk), isTTY, columns: 12 });
      view.show(['a', 'b'], 'at 1');
      view.show(['a', 'b'], 'at 2'); // unchanged: nothing written
      view.show(['a', 'c is a long line'], 'at 3');
      return output;
    };
    expect(shown(false)).toBe('at 1\na\nb\n\nat 3\na\nc is a long line\n');
    expect(shown(true)).toBe('at 1\na\nb\n\x1b[3F\x1b[Jat 3\na\nc is a lon…\n');
  });
});
