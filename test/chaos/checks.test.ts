/**
 * The chaos checks catch what they are there to catch: fed real files (a real session store, workspace and
 * tool journal in a temp folder) with a gap, a duplicate or a write applied twice, they fail and say where.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SessionEvent, SessionSnapshot } from '../../src/domain/events';
import { ZERO_USAGE } from '../../src/domain/usage';
import { DataLayout } from '../../src/storage/layout';
import { openStorage, type Storage } from '../../src/storage/open-storage';
import type { SessionStore } from '../../src/storage/session-store';
import { JOURNAL_CONTENT, JOURNAL_FILE, WRITER_FINAL } from '../../scripts/lib/chaos/agents';
import { checkEventLogs, checkFileWrites, checkSessionsFinished } from '../../scripts/lib/chaos/checks';
import type { SessionRun } from '../../scripts/lib/chaos/workload';

const SESSION = 'sesn_check';
let dataDir: string;
let storage: Storage;
let store: SessionStore;

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-chaos-checks-'));
  storage = openStorage({ dataDir });
  store = storage.sessions;
});

const at = new Date(0).toISOString();
const message = (seq: number, id = `sevt_${seq}`): SessionEvent => ({
  type: 'user.message',
  id,
  seq,
  processed_at: at,
  content: [{ type: 'text', text: 'hi' }],
});
const toolUse = (seq: number, toolUseId: string): SessionEvent => ({
  type: 'agent.tool_use',
  id: `sevt_${seq}`,
  seq,
  processed_at: at,
  tool_use_id: toolUseId,
  name: 'edit_file',
  input: {},
});
const toolResult = (seq: number, toolUseId: string): SessionEvent => ({
  type: 'agent.tool_result',
  id: `sevt_${seq}`,
  seq,
  processed_at: at,
  tool_use_id: toolUseId,
  content: [{ type: 'text', text: 'ok' }],
  is_error: false,
});

async function storeSession(events: SessionEvent[], eventCount = events.length): Promise<SessionSnapshot> {
  await store.appendEvents(SESSION, events);
  const workspace = path.join(dataDir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  const snapshot: SessionSnapshot = {
    session_id: SESSION,
    agent: 'writer',
    status: 'terminated',
    stop_reason: { type: 'end_turn' },
    final_message: WRITER_FINAL,
    usage: ZERO_USAGE,
    grader_usage: ZERO_USAGE,
    outcome_evaluations: [],
    threads: [],
    turns: 1,
    event_count: eventCount,
    workspace,
    created_at: at,
    updated_at: at,
  };
  await store.saveSnapshot(snapshot);
  return snapshot;
}

function writerRun(snapshot: SessionSnapshot | null, error: string | null = null): SessionRun {
  return { planned: { id: SESSION, kind: 'writer', start_ms: 0 }, snapshot, error };
}

function journal(toolUseId: string, state: 'done' | 'pending' = 'done'): void {
  const dir = new DataLayout(dataDir).toolJournalDir(SESSION);
  fs.mkdirSync(dir, { recursive: true });
  const outcome = { content: 'ok', is_error: false };
  const entry =
    state === 'done'
      ? { version: 1, state, callId: toolUseId, name: 'edit_file', outcome }
      : {
          version: 1,
          state,
          callId: toolUseId,
          name: 'edit_file',
          outcome,
          write: { target: 'a', temp: 'b', sha256: 'c' },
        };
  fs.writeFileSync(path.join(dir, `${toolUseId}.json`), JSON.stringify(entry));
}

describe('event log check', () => {
  it('passes a log with seqs 1..N that pairs every tool use with its result', async () => {
    await storeSession([message(1), toolUse(2, 'toolu_a'), toolResult(3, 'toolu_a')]);

    expect(await checkEventLogs(store, [SESSION])).toMatchObject({ ok: true, detail: '1 logs, 3 events' });
  });

  it('fails a gap, naming the seq', async () => {
    await storeSession([message(1), message(2), message(4)], 4);

    const result = await checkEventLogs(store, [SESSION]);

    expect(result.ok).toBe(false);
    expect(result.detail).toContain('seq 4 where 3 belongs');
  });

  it('fails an event stored twice under two seqs, and a tool call recorded twice', async () => {
    await storeSession([
      message(1),
      message(2, 'sevt_1'),
      toolUse(3, 'toolu_a'),
      toolUse(4, 'toolu_a'),
      toolResult(5, 'toolu_a'),
    ]);

    const result = await checkEventLogs(store, [SESSION]);

    expect(result.ok).toBe(false);
    expect(result.detail).toContain('an event id appears twice');
    expect(result.detail).toContain('a tool_use_id appears in two agent.tool_use events');
  });
});

describe('file write check', () => {
  it('passes the exact journal file with one finished journal entry per call', async () => {
    const snapshot = await storeSession([toolUse(1, 'toolu_a'), toolResult(2, 'toolu_a')]);
    fs.writeFileSync(path.join(snapshot.workspace, JOURNAL_FILE), JOURNAL_CONTENT);
    journal('toolu_a');

    expect(await checkFileWrites(storage, [writerRun(snapshot)])).toMatchObject({ ok: true });
  });

  it('fails an edit applied twice, a call journaled but not logged, and one left pending', async () => {
    const snapshot = await storeSession([toolUse(1, 'toolu_a'), toolResult(2, 'toolu_a')]);
    fs.writeFileSync(
      path.join(snapshot.workspace, JOURNAL_FILE),
      JOURNAL_CONTENT.replace('[entry 2]\n', '[entry 2]\n[entry 2]\n'),
    );
    journal('toolu_a', 'pending');
    journal('toolu_ghost');

    const result = await checkFileWrites(storage, [writerRun(snapshot)]);

    expect(result.ok).toBe(false);
    expect(result.detail).toContain('journal.md is');
    expect(result.detail).toContain('journal entry toolu_ghost for a call the log does not have');
    expect(result.detail).toContain('tool call toolu_a is pending');
  });
});

describe('session check', () => {
  it('fails a session without a result, or with another final message', async () => {
    const snapshot = await storeSession([message(1)]);

    expect(checkSessionsFinished([writerRun(snapshot)]).ok).toBe(true);
    expect(checkSessionsFinished([writerRun(null, 'workflow failed')]).detail).toContain('sesn_check: workflow failed');
    expect(checkSessionsFinished([writerRun({ ...snapshot, final_message: 'gave up' })]).detail).toContain(
      'final message "gave up"',
    );
  });
});
