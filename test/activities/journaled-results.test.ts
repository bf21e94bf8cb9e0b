/**
 * Tool results handed to the model activity by reference get their content from the session's real tool journal
 * (src/activities/journaled-results.ts); a result the journal cannot give is an error, never an empty result.
 */
import { withJournaledResults } from '../../src/activities/journaled-results';
import type { SessionEvent } from '../../src/domain/events';
import { openStorage } from '../../src/storage/open-storage';
import type { ToolJournal } from '../../src/storage/tool-journal';
import { tempDir } from '../helpers/temporal';

const SESSION = 'sesn_journaled';

function toolResult(seq: number, toolUseId: string): SessionEvent {
  return {
    id: `evt_${seq}`,
    seq,
    processed_at: '2026-12-01T20:00:00.000Z',
    type: 'agent.tool_result',
    tool_use_id: toolUseId,
    content: [],
    is_error: false,
  };
}

const message: SessionEvent = {
  id: 'evt_1',
  seq: 1,
  processed_at: '2026-12-01T20:00:00.000Z',
  type: 'agent.message',
  content: [{ type: 'text', text: 'reading' }],
};

describe('tool results read back from the journal', () => {
  let journal: ToolJournal;
  beforeEach(async () => {
    journal = openStorage({ dataDir: tempDir('lucid-journaled-') }).toolJournal(SESSION);
    await journal.write({
      version: 2,
      state: 'done',
      callId: 'toolu_a',
      name: 'read_file',
      outcome: { content: 'alpha, key sk-ant-abcdefghijklmnopqrstu', is_error: false },
    });
  });

  it('fills in the named results, redacted, and leaves the other events as they are', async () => {
    const events = [message, toolResult(2, 'toolu_a')];
    expect(await withJournaledResults(events, [2], journal, [])).toEqual([
      message,
      { ...toolResult(2, 'toolu_a'), content: [{ type: 'text', text: 'alpha, key [REDACTED]' }] },
    ]);
    expect(await withJournaledResults(events, [], journal, [])).toBe(events);
  });

  it('refuses a result the journal has not finished, or one that was not handed over', async () => {
    await journal.write({
      version: 2,
      state: 'pending',
      callId: 'toolu_b',
      name: 'write_file',
      outcome: { content: 'Created b.md', is_error: false },
      write: { target: 'b.md', temp: '.lucid-tmp-b', sha256: '0'.repeat(64) },
    });
    await expect(withJournaledResults([toolResult(2, 'toolu_b')], [2], journal, [])).rejects.toThrow(
      'the tool journal has no finished entry for toolu_b (event 2)',
    );
    await expect(withJournaledResults([toolResult(2, 'toolu_none')], [2], journal, [])).rejects.toThrow(
      'no finished entry for toolu_none',
    );
    await expect(withJournaledResults([toolResult(2, 'toolu_a')], [2, 3], journal, [])).rejects.toThrow(
      'tool results 3 are named but not handed over',
    );
    await expect(withJournaledResults([message], [1], journal, [])).rejects.toThrow(
      'event 1 (agent.message) is not a tool result',
    );
  });
});
