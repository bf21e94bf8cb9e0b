/**
 * The `lucid` CLI, run for real as a subprocess (`node bin/lucid.js ...`) against the test dev server, a real
 * worker on its own task queue and the scripted model; plus unit tests of the pure event rendering.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { renderSnapshot } from '../../src/cli/render-snapshot';
import {
  advanceProgress,
  describeToolInput,
  INITIAL_PROGRESS,
  oneLine,
  renderEvent,
  renderProgress,
} from '../../src/cli/render-event';
import { SessionEndingTracker } from '../../src/cli/session-ending';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent, SessionEventBody, SessionSnapshot } from '../../src/domain/events';
import type { Scenario } from '../../src/scripted-model/scenario';
import { startSessionHarness, workspaceOf, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';

const LUCID_BIN = path.resolve(__dirname, '..', '..', 'bin', 'lucid.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  milliseconds: number;
}

/**
 * Runs the CLI without blocking this process: the worker serving the sessions runs in this very process, so a
 * synchronous child would deadlock it. The environment is the test's own, minus anything that could point the
 * CLI elsewhere (TEMPORAL_*, LUCID_*) or leak a real key (ANTHROPIC_*).
 */
function runLucid(args: string[], env: Record<string, string>, cwd: string): Promise<CliResult> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(TEMPORAL_|LUCID_|ANTHROPIC_)/.test(name)),
  );
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LUCID_BIN, ...args], { cwd, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, milliseconds: Date.now() - started }));
  });
}

/** A failing expectation shows the CLI's output, which is what one needs to see. */
function expectExit(result: CliResult, code: number): void {
  if (result.code !== code) throw new Error(`expected exit ${code}, got ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

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
    env = { TEMPORAL_ADDRESS: harness.temporal.address, LUCID_TASK_QUEUE: harness.taskQueue, LUCID_DATA_DIR: harness.dataDir };
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
              { type: 'tool_use', name: 'write_file', input: { path: 'haiku.md', content: 'old pond\nfrog jumps in\nsplash\n' } },
            ],
          },
        },
        { match: { last_tool_result: 'Created haiku.md' }, times: 1, reply: { content: [{ type: 'text', text: 'Done: haiku.md holds the haiku.' }] } },
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
      expect(fs.readFileSync(path.join(workspaceOf(harness, sessionId), 'haiku.md'), 'utf8')).toBe('old pond\nfrog jumps in\nsplash\n');
    });

    it('`events` prints each event as a line, or as JSON after a sequence number', async () => {
      const snapshot = (await harness.store.readSnapshot(sessionId))!;
      const [text, json] = await Promise.all([lucid('events', sessionId), lucid('events', sessionId, '--json', '--after', '2')]);
      expectExit(text, 0);
      const lines = text.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(snapshot.event_count);
      expect(lines[0]).toMatch(/#1 +user +Write a haiku file please/);
      expect(lines[lines.length - 1]).toMatch(/session +terminated/);
      expectExit(json, 0);
      const events = json.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as SessionEvent);
      expect(events.map((event) => event.seq)).toEqual(Array.from({ length: snapshot.event_count - 2 }, (_, index) => index + 3));
    });

    it('`sessions` lists it through Temporal visibility, filtered by agent and status', async () => {
      const listed = await waitFor(
        () => lucid('sessions', '--agent', agent.name, '--status', 'terminated'),
        (result) => result.stdout.includes(sessionId),
      );
      expectExit(listed, 0);
      expect(listed.stdout).toMatch(/^ID +AGENT +STATUS +STARTED/);
      expect(listed.stdout).toMatch(new RegExp(`${sessionId} +${agent.name} +terminated +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d`));
    });
  });

  it('`send` wakes a kept-alive session and `status` shows its answer', async () => {
    harness.model.setScenario({
      rules: [
        { match: { last_user_text: 'Remember the number 42' }, times: 1, reply: { content: [{ type: 'text', text: 'Noted: 42.' }] } },
        { match: { last_user_text: 'What was the number' }, times: 1, reply: { content: [{ type: 'text', text: 'The number was 42.' }] } },
      ],
    });
    const sessionId = `cli-keep-alive-${unique}`;
    try {
      const run = await lucid('run', 'agent.json', 'Remember the number 42', '--keep-alive', '60', '--id', sessionId);
      expectExit(run, 0); // returns when the first turn ends, not when the session does
      expect(run.stdout).toContain('Noted: 42.');
      expect(run.stdout).toContain(`lucid send ${sessionId}`);

      const sent = await lucid('send', sessionId, 'What was the number?');
      expectExit(sent, 0);
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
      expect(JSON.parse(json.stdout)).toMatchObject({ session_id: sessionId, status: 'idle', turns: 2, final_message: 'The number was 42.' });
    } finally {
      await harness.temporal.client.workflow.getHandle(sessionId).terminate('test over').catch(() => {});
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
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(unknown.stderr).toContain('Usage:');
    expectExit(missing, 2);
    expect(missing.stderr).toContain('missing <message>');
    expect(missing.stderr).toContain('usage: lucid run <agent>');
    expectExit(badAgent, 2);
    expect(badAgent.stderr).toMatch(/invalid agent definition in bad-agent\.json: tools\.0/);
    expectExit(badStatus, 2);
    expect(badStatus.stderr).toContain('--status must be one of running, idle, terminated');
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
    const results = await Promise.all([lucid('status', missingId), lucid('events', missingId), lucid('send', missingId, 'hello?')]);
    for (const result of results) {
      expectExit(result, 4);
      expect(result.stderr).toContain(`no session with id "${missingId}"`);
    }
  });
});

describe('render-event', () => {
  const at = '2025-03-04T05:06:07.000Z';
  let seq = 0;
  const event = (body: SessionEventBody): SessionEvent => ({ id: `sevt_x_${++seq}`, seq, processed_at: at, ...body }) as SessionEvent;
  const usage = { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 1_000, cache_creation_input_tokens: 50 };
  const render = (body: SessionEventBody, toolName?: string) =>
    renderEvent({ ...event(body), seq: 7 }, { timeZone: 'UTC', toolName: () => toolName });

  it('renders each kind of event as one aligned line', () => {
    expect(render({ type: 'user.message', content: [{ type: 'text', text: 'Hello\n\n  there' }] })).toBe(
      '05:06:07  #7   user     Hello ↵ there',
    );
    expect(render({ type: 'agent.tool_use', tool_use_id: 't1', name: 'read_file', input: { path: 'a.md' } })).toBe(
      '05:06:07  #7   tool     read_file path="a.md"',
    );
    expect(render({ type: 'agent.tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'no such file' }], is_error: true }, 'read_file')).toBe(
      '05:06:07  #7   result   ✗ read_file: no such file',
    );
    expect(render({ type: 'span.model_request_end', model_request_start_id: 's', is_error: false, model_usage: usage })).toBe(
      '05:06:07  #7   model    answered (in 1,150 · out 20 · cached 1,000)',
    );
    expect(render({ type: 'session.status_idle', stop_reason: { type: 'max_turns_reached' }, stop_details: null })).toBe(
      '05:06:07  #7   session  idle (max_turns_reached)',
    );
    expect(
      render({ type: 'session.error', error: { type: 'model_overloaded_error', message: 'busy', retry_status: { type: 'retrying' } } }),
    ).toBe('05:06:07  #7   error    model_overloaded_error (retrying): busy');
    expect(render({ type: 'agent.tool_result', tool_use_id: 't9', content: [{ type: 'text', text: 'ok' }], is_error: false })).toBe(
      '05:06:07  #7   result   ✓ tool: ok',
    );
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
    tracker.observe(event({ type: 'session.error', error: { type: 'unknown_error', message: 'bad key', retry_status: { type: 'terminal' } } }));
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
