import {
  EventLogCache,
  eventLogCacheFromEnvironment,
  DEFAULT_EVENT_CACHE_MB,
} from '../../src/activities/event-log-cache';
import type { SessionEvent } from '../../src/domain/events';

function event(seq: number, text = 'hello'): SessionEvent {
  return {
    id: `sevt_${seq}`,
    seq,
    processed_at: '2026-12-03T00:00:00.000Z',
    type: 'user.message',
    content: [{ type: 'text', text }],
  };
}

const events = (from: number, to: number, text?: string) =>
  Array.from({ length: to - from + 1 }, (_, index) => event(from + index, text));
const seqs = (list: SessionEvent[] | undefined) => list?.map((each) => each.seq);
const sizeOf = (list: SessionEvent[]) => list.reduce((sum, each) => sum + JSON.stringify(each).length, 0);

describe('EventLogCache', () => {
  it('keeps a log that starts at seq 1 and grows it with events that follow on', () => {
    const cache = new EventLogCache(1_000_000);
    cache.extend('a', events(1, 3));
    cache.extend('a', events(4, 5));
    expect(seqs(cache.get('a'))).toEqual([1, 2, 3, 4, 5]);
    expect(cache.stats).toEqual({ sessions: 1, bytes: sizeOf(events(1, 5)) });
  });

  it('ignores events it already holds (a retry) and events after a gap, leaving the log as it was', () => {
    const cache = new EventLogCache(1_000_000);
    cache.extend('a', events(1, 3));
    cache.extend('a', events(2, 4));
    cache.extend('a', events(6, 7));
    expect(seqs(cache.get('a'))).toEqual([1, 2, 3]);
    cache.extend('b', events(5, 6)); // a log it never saw the start of
    expect(cache.get('b')).toBeUndefined();
    expect(cache.stats.bytes).toBe(sizeOf(events(1, 3)));
  });

  it('holds every session a worker turns over in rotation while they fit, however many there are', () => {
    const cache = new EventLogCache(1_000_000);
    const sessions = Array.from({ length: 200 }, (_, index) => `s${index}`);
    for (const id of sessions) cache.extend(id, events(1, 2));
    let misses = 0;
    for (let turn = 0; turn < 3; turn++)
      for (const id of sessions) {
        const cached = cache.get(id);
        if (!cached) misses++;
        cache.extend(id, [event((cached?.length ?? 0) + 1)]);
      }
    expect(misses).toBe(0);
    expect(cache.stats.sessions).toBe(200);
  });

  it('evicts the least recently used sessions once the events exceed the budget', () => {
    const one = sizeOf(events(1, 1));
    const cache = new EventLogCache(3 * one);
    cache.extend('a', events(1, 1));
    cache.extend('b', events(1, 1));
    cache.extend('c', events(1, 1));
    cache.get('a'); // now b is the least recently used
    cache.extend('d', events(1, 1));
    expect(cache.get('b')).toBeUndefined();
    expect(seqs(cache.get('a'))).toEqual([1]);
    expect(seqs(cache.get('c'))).toEqual([1]);
    expect(seqs(cache.get('d'))).toEqual([1]);
    expect(cache.stats).toEqual({ sessions: 3, bytes: 3 * one });
  });

  it('does not keep a session whose log alone exceeds the budget, and evicts nobody for it', () => {
    const cache = new EventLogCache(sizeOf(events(1, 1)) * 10);
    cache.extend('small', events(1, 2));
    cache.extend('huge', events(1, 1, 'x'.repeat(10_000)));
    expect(cache.get('huge')).toBeUndefined();
    cache.extend('growing', events(1, 3));
    cache.extend('growing', events(4, 4, 'x'.repeat(10_000))); // outgrows the budget: dropped, not kept stale
    expect(cache.get('growing')).toBeUndefined();
    expect(seqs(cache.get('small'))).toEqual([1, 2]);
    expect(cache.stats).toEqual({ sessions: 1, bytes: sizeOf(events(1, 2)) });
  });

  it('keeps nothing with a budget of 0', () => {
    const cache = new EventLogCache(0);
    cache.extend('a', events(1, 2));
    expect(cache.get('a')).toBeUndefined();
  });
});

describe('eventLogCacheFromEnvironment', () => {
  it('takes its budget in megabytes from LUCID_EVENT_CACHE_MB, with a default', () => {
    expect(eventLogCacheFromEnvironment({}).maxBytes).toBe(DEFAULT_EVENT_CACHE_MB * 1024 * 1024);
    expect(eventLogCacheFromEnvironment({ LUCID_EVENT_CACHE_MB: '2' }).maxBytes).toBe(2 * 1024 * 1024);
    expect(eventLogCacheFromEnvironment({ LUCID_EVENT_CACHE_MB: '0' }).maxBytes).toBe(0);
  });

  it('refuses a value that is not a whole number, naming the variable', () => {
    expect(() => eventLogCacheFromEnvironment({ LUCID_EVENT_CACHE_MB: '1.5' })).toThrow(
      'LUCID_EVENT_CACHE_MB must be a whole number from 0 to 1000000, got "1.5"',
    );
  });
});
