/**
 * Many sessions on two hosts: two worker processes (separate data directories, one PostgreSQL, one shared
 * LUCID_WORKSPACE_ROOT) run 20 sessions with workspace tools and `bash`; one worker is SIGKILLed mid-run. Every
 * session finishes on the other, every log is complete with no gap or duplicate, and every write happened once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LucidClient } from '../../../src/client';
import type { AgentDefinition } from '../../../src/domain/agent-definition';
import { useHosts } from '../../helpers/hosts';
import { expectWellFormedLog } from '../../helpers/session';
import { tempDir, uniqueTaskQueue } from '../../helpers/temporal';
import { waitFor } from '../../helpers/wait-for';

const SESSIONS = 20;

const agent: AgentDefinition = {
  name: 'many-sessions',
  model: 'scripted-small',
  system: 'Write, run, check.',
  tools: ['write_file', 'read_file', 'bash'],
  max_turns: 10,
  max_tokens: 256,
};

const hosts = useHosts('lucid_many_sessions', {
  rules: [
    {
      match: { last_user_text: 'Start' },
      reply: {
        content: [
          { type: 'tool_use', name: 'write_file', input: { path: 'out.txt', content: 'once\n' } },
          { type: 'tool_use', name: 'bash', input: { command: 'echo run >> bash.log && cat bash.log' } },
        ],
      },
    },
    // Slow: the worker is killed while many of these are in flight.
    {
      match: { last_tool_result: 'run' },
      delay_ms: 1500,
      reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'out.txt' } }] },
    },
    // After the read, or after a command cut off by the kill: the session ends either way.
    { match: {}, reply: { content: [{ type: 'text', text: 'Finished.' }] } },
  ],
});

test('20 sessions on two hosts, one killed mid-run: all finish on the other, logs whole, every write once', async () => {
  const taskQueue = uniqueTaskQueue('lucid-many-sessions');
  const workspaceRoot = tempDir('lucid-shared-workspaces-');
  const host = () => hosts.startWorker(taskQueue, { LUCID_WORKSPACE_ROOT: workspaceRoot });
  const [doomed, survivor] = [host(), host()];
  await Promise.all([doomed.ready, survivor.ready]);
  const lucid = new LucidClient({ client: hosts.temporal().client, taskQueue, storage: hosts.storage() });
  const sessionIds = await Promise.all(
    Array.from({ length: SESSIONS }, (_, index) => lucid.startSession({ agent, message: `Start job ${index}` })),
  );
  // Mid-run: most sessions have asked for their slow second answer.
  await waitFor(() => hosts.model().requests.length >= SESSIONS + SESSIONS / 2, 'half the second model requests');
  await doomed.kill('SIGKILL');

  const snapshots = await Promise.all(sessionIds.map((sessionId) => lucid.result(sessionId)));
  for (const [index, sessionId] of sessionIds.entries()) {
    expect(snapshots[index]).toMatchObject({ stop_reason: { type: 'end_turn' }, final_message: 'Finished.' });
    const events = await hosts.storage().sessions.readEvents(sessionId);
    expectWellFormedLog(events, snapshots[index].event_count);
    const workspace = path.join(workspaceRoot, sessionId);
    expect(fs.readFileSync(path.join(workspace, 'out.txt'), 'utf8')).toBe('once\n');
    const log = path.join(workspace, 'bash.log');
    // The command ran once; one cut off by the kill was not run again (at most one line, whatever happened).
    const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
    expect(['', 'run\n']).toContain(lines);
    const results = events.filter((event) => event.type === 'agent.tool_result');
    if (results.every((event) => event.type === 'agent.tool_result' && !event.is_error)) expect(lines).toBe('run\n');
  }
}, 180_000);
