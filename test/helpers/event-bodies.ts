/** Building blocks for hand-written event logs in unit tests. */
import type { SessionEvent, SessionEventBody } from '../../src/domain/events';

/** The bodies as a log: seqs from 1, ids `e1`, `e2`, …, one fixed time. */
export function log(...bodies: SessionEventBody[]): SessionEvent[] {
  return bodies.map(
    (body, index) =>
      ({ id: `e${index + 1}`, seq: index + 1, processed_at: '2026-01-01T00:00:00Z', ...body }) as SessionEvent,
  );
}

export const text = (value: string) => [{ type: 'text' as const, text: value }];

export const usage = { input_tokens: 1, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
