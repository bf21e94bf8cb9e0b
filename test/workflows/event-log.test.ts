/** The workflow's event log bookkeeping: gap-free seqs and what is still to persist. */
import { textBlocks } from '../../src/domain/events';
import { eventId } from '../../src/domain/ids';
import { EventLog } from '../../src/workflows/event-log';

function logWith(count: number, firstSeq = 1): EventLog {
  const log = new EventLog('sesn_test', firstSeq);
  for (let index = 0; index < count; index++)
    log.emit({ type: 'user.message', content: textBlocks(`message ${index}`) });
  return log;
}

describe('EventLog', () => {
  it('hands out contiguous seqs from where the previous run stopped', () => {
    const log = logWith(3, 41);
    expect(log.unpersisted().map((event) => event.seq)).toEqual([41, 42, 43]);
    expect(log.seqForNext).toBe(44);
  });

  it('marks events persisted by seq, so overlapping persists never skip a later event', () => {
    const log = logWith(3, 10);
    const first = log.unpersisted(); // 10..12 sent by one activity
    log.emit({ type: 'user.interrupt' }); // 13 arrives meanwhile
    const second = log.unpersisted(); // 10..13 sent by an overlapping one
    log.markPersistedThrough(second[second.length - 1].seq);
    log.markPersistedThrough(first[first.length - 1].seq); // the slower, older one finishes last
    expect(log.unpersisted()).toEqual([]);
    log.emit({ type: 'user.interrupt' });
    expect(log.unpersisted().map((event) => event.seq)).toEqual([14]);
  });

  it('ignores a seq beyond the log', () => {
    const log = logWith(2);
    log.markPersistedThrough(99);
    log.emit({ type: 'user.interrupt' });
    expect(log.unpersisted().map((event) => event.seq)).toEqual([3]);
  });

  it('tells ids of events not logged yet from logged ones and from other sessions', () => {
    const log = logWith(3); // seqs 1..3
    expect(log.isFutureEventId(eventId('sesn_test', 4))).toBe(true);
    expect(log.isFutureEventId(eventId('sesn_test', 40))).toBe(true);
    expect(log.isFutureEventId(eventId('sesn_test', 3))).toBe(false);
    expect(log.isFutureEventId(eventId('sesn_other', 4))).toBe(false);
    expect(log.isFutureEventId(`${eventId('sesn_test', 4)}x`)).toBe(false);
    expect(log.isFutureEventId('toolu_4')).toBe(false);
  });

  it("takes a thread's event ids in the API's form too (`_` for `/`)", () => {
    const log = new EventLog('sesn_lead/thread_1', 5);
    const stored = eventId('sesn_lead/thread_1', 7);
    expect(log.isFutureEventId(stored)).toBe(true);
    expect(log.isFutureEventId(stored.replaceAll('/', '_'))).toBe(true);
    expect(log.isFutureEventId(eventId('sesn_lead/thread_1', 4).replaceAll('/', '_'))).toBe(false);
  });
});
