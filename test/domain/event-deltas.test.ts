/** Live-text previews from a model stream: which event each previews, what is held back, and what is redacted. */
import { DeltaRecorder, HELD_BACK_CHARS, type DeltaRecord, type ModelStreamEvent } from '../../src/domain/event-deltas';
import { REDACTED } from '../../src/domain/redact';

const sessionId = 'sesn_Deltas1';

function textBlock(index: number, pieces: string[]): ModelStreamEvent[] {
  return [
    { type: 'content_block_start', index, content_block: { type: 'text' } },
    ...pieces.map((text) => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index },
  ];
}

function toolBlock(index: number): ModelStreamEvent[] {
  return [
    { type: 'content_block_start', index, content_block: { type: 'tool_use' } },
    { type: 'content_block_delta', index, delta: { type: 'input_json_delta' } },
    { type: 'content_block_stop', index },
  ];
}

const textOf = (records: DeltaRecord[], seq: number) =>
  records
    .filter((record) => record.type === 'event_delta' && record.seq === seq)
    .map((record) => (record.type === 'event_delta' ? record.delta.content.text : ''))
    .join('');

test('each non-empty text block previews the agent.message it becomes, counting tool calls before it', () => {
  const recorder = new DeltaRecorder(sessionId, 10);
  const stream = [
    ...textBlock(0, ['Looking ', 'now.']),
    ...toolBlock(1),
    ...textBlock(2, []), // empty: no event, no preview
    ...textBlock(3, ['Done']),
  ];
  const records = stream.flatMap((event) => recorder.take(event));
  const starts = records.filter((record) => record.type === 'event_start');
  expect(starts).toEqual([
    { type: 'event_start', seq: 11, event: { id: 'sevt_Deltas1_11', type: 'agent.message' } },
    { type: 'event_start', seq: 13, event: { id: 'sevt_Deltas1_13', type: 'agent.message' } },
  ]);
  expect(textOf(records, 11)).toBe('Looking now.');
  expect(textOf(records, 13)).toBe('Done');
  expect(records.findIndex((record) => record.seq === 11 && record.type === 'event_start')).toBe(0);
});

test('text is held back until it is long enough, and the block end sends the rest', () => {
  const recorder = new DeltaRecorder(sessionId, 1);
  const long = 'x'.repeat(HELD_BACK_CHARS + 40);
  const [start, ...rest] = textBlock(0, [long.slice(0, 100), long.slice(100)]);
  expect(recorder.take(start)).toEqual([]);
  expect(recorder.take(rest[0]).filter((record) => record.type === 'event_delta')).toEqual([]);
  const second = recorder.take(rest[1]);
  expect(textOf(second, 2)).toBe('x'.repeat(40));
  expect(textOf(recorder.take(rest[2]), 2)).toBe('x'.repeat(HELD_BACK_CHARS));
});

test('a secret arriving in pieces is never previewed, not even in part', () => {
  const secret = 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789';
  const known = 'hunter2-but-longer';
  const text = `${'a'.repeat(300)} key ${secret} and ${known} ${'b'.repeat(300)}`;
  const pieces = text.match(/.{1,7}/gs)!;
  const recorder = new DeltaRecorder(sessionId, 1, [known]);
  const records = textBlock(0, pieces).flatMap((event) => recorder.take(event));
  const previewed = textOf(records, 2);
  expect(previewed).toBe(`${'a'.repeat(300)} key ${REDACTED} and ${REDACTED} ${'b'.repeat(300)}`);
  for (const record of records) {
    const json = JSON.stringify(record);
    expect(json).not.toContain('sk-ant-api03-abc');
    expect(json).not.toContain('hunter2');
  }
});
