/**
 * The frozen workflow inputs (test/fixtures/workflow-input, captured from the start events of recorded
 * histories) still pass today's input schemas, and an input's version is read: one this worker does not know is
 * refused with a readable reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DreamInputSchema } from '../../src/domain/dream';
import { describeIssues, SessionInputSchema } from '../../src/domain/session-input';

const fixtures = path.join(__dirname, '..', 'fixtures');
const readJson = (...parts: string[]): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(fixtures, ...parts), 'utf8')) as Record<string, unknown>;

/** The input a recorded history's first event started the workflow with. */
function startInput(history: string): unknown {
  const { events } = readJson('histories', history) as {
    events: Array<{ workflowExecutionStartedEventAttributes: { input: { payloads: Array<{ data: string }> } } }>;
  };
  const [payload] = events[0].workflowExecutionStartedEventAttributes.input.payloads;
  return JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
}

const shapes = [
  { name: 'session', schema: SessionInputSchema, fixture: 'session-v1.json', history: 'continued-as-new.json' },
  { name: 'dream', schema: DreamInputSchema, fixture: 'dream-v1.json', history: 'dream-awaiting-review.json' },
] as const;

describe.each(shapes)('$name input', ({ name, schema, fixture, history }) => {
  const input = () => readJson('workflow-input', fixture);

  it('is what the recorded workflow started from, and passes the current schema', () => {
    expect(input()).toEqual(startInput(history));
    expect(schema.safeParse(input()).success).toBe(true);
  });

  it('may name its version, 1', () => {
    expect(schema.safeParse({ ...input(), version: 1 }).success).toBe(true);
  });

  it('is refused with a readable reason when written for a version this worker does not read', () => {
    const parsed = schema.safeParse({ ...input(), version: 2 });
    expect(parsed.success).toBe(false);
    expect(parsed.error && describeIssues(parsed.error)).toBe(`version: this worker reads ${name} input version 1`);
  });
});
