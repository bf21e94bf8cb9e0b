import path from 'node:path';
import { rotation } from '../../bench/lib/api-calls';
import { readSettings } from '../../bench/lib/api-settings';
import { summarizeLatencies } from '../../bench/lib/statistics';
import { arrivalLatencies, type Arrival } from '../../bench/lib/stream-latency';

describe('bench:api settings', () => {
  it('defaults to 100 journeys each way and 200 streams over 20 sessions, results under bench/results', () => {
    const settings = readSettings([], new Date('2026-12-02T03:04:05Z'));
    expect(settings).toEqual({
      calls: 100,
      warmup: 3,
      streams: 200,
      streamSessions: 20,
      turns: 5,
      outFile: path.resolve(__dirname, '../../bench/results/api-2026-12-02-030405.json'),
    });
  });

  it('takes every option', () => {
    const argv = ['--calls', '7', '--warmup', '0', '--streams', '10', '--stream-sessions', '10', '--turns', '2'];
    expect(readSettings([...argv, '--out', '/tmp/x.json'])).toEqual({
      calls: 7,
      warmup: 0,
      streams: 10,
      streamSessions: 10,
      turns: 2,
      outFile: '/tmp/x.json',
    });
  });

  it('refuses more stream sessions than streams, bad numbers and unknown options', () => {
    expect(() => readSettings(['--streams', '5', '--stream-sessions', '6'])).toThrow(/cannot exceed --streams \(5\)/);
    expect(() => readSettings(['--calls', '0'])).toThrow(/--calls must be a whole number from 1/);
    expect(() => readSettings(['--streams', 'many'])).toThrow(/--streams must be a whole number/);
    expect(() => readSettings(['--sessions', '3'])).toThrow(/sessions/);
  });
});

describe('bench:api statistics', () => {
  it('summarizes latencies by nearest rank', () => {
    const values = Array.from({ length: 200 }, (_, index) => 200 - index); // 200 … 1
    expect(summarizeLatencies(values)).toEqual({ count: 200, p50: 100, p99: 198, max: 200 });
    expect(summarizeLatencies([]).count).toBe(0);
    expect(summarizeLatencies([]).p50).toBeNaN();
  });

  it('rotates the order of the configurations round by round', () => {
    expect([0, 1, 2, 3].map((round) => rotation(['a', 'b', 'c'], round).join(''))).toEqual([
      'abc',
      'bca',
      'cab',
      'abc',
    ]);
  });
});

describe('bench:api stream latencies', () => {
  const arrival = (stream: number, seq: number, arrivedAt: number): Arrival => ({
    sessionId: 'sesn_a',
    stream,
    seq,
    type: 'agent.message',
    processedAt: 1_000,
    arrivedAt,
  });
  const stored = new Map([
    [
      'sesn_a',
      new Map([
        [4, 1_010],
        [5, 1_020],
      ]),
    ],
  ]);

  it('measures each arrival from its event file landing and from its processed_at', () => {
    const latencies = arrivalLatencies([arrival(0, 4, 1_015), arrival(1, 4, 1_012), arrival(0, 5, 1_030)], stored);
    expect(latencies).toEqual({ fromStore: [5, 2, 10], fromProcessed: [15, 12, 30] });
  });

  it('refuses a stream that skipped or repeated an event, and an event the store does not have', () => {
    expect(() => arrivalLatencies([arrival(0, 4, 1_015), arrival(0, 4, 1_016)], stored)).toThrow(/lost or repeated/);
    expect(() => arrivalLatencies([arrival(0, 6, 1_015)], stored)).toThrow(/not in the store/);
  });
});
