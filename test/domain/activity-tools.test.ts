import { AgentDefinitionSchema } from '../../src/domain/agent-definition';
import { describeIssues } from '../../src/domain/session-input';
import { TOOLSET_TYPE } from '../../src/domain/agent-toolset';
import { userToolDefinitions } from '../../src/domain/user-tools';
import {
  activityResultText,
  activityToolOptions,
  durationMs,
  MAX_ACTIVITY_RESULT_CHARS,
  type ActivityTool,
} from '../../src/domain/activity-tools';

const ticketTool = {
  type: 'temporal_activity',
  name: 'create_ticket',
  description: 'File a ticket',
  input_schema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
  activity_type: 'createTicket',
  task_queue: 'tickets',
};

const parse = (tools: unknown) => AgentDefinitionSchema.safeParse({ name: 'a', model: 'm', tools });

function problems(tools: unknown): string {
  const result = parse(tools);
  expect(result.success).toBe(false);
  return describeIssues(result.error!);
}

describe('temporal_activity tools', () => {
  it('are accepted next to the toolset and offered to the model by name, description and input_schema', () => {
    const result = parse([{ type: TOOLSET_TYPE }, ticketTool]);
    if (!result.success) throw new Error(describeIssues(result.error));
    expect(userToolDefinitions(result.data.tools)).toEqual([
      { name: 'create_ticket', description: 'File a ticket', input_schema: ticketTool.input_schema },
    ]);
  });

  it("take Lucid's defaults: 60 s per attempt, 5 attempts, no limit on waiting for the team's worker", () => {
    expect(activityToolOptions(ticketTool as ActivityTool)).toEqual({
      taskQueue: 'tickets',
      startToCloseTimeout: 60_000,
      retry: { initialInterval: 1_000, backoffCoefficient: 2, maximumAttempts: 5 },
    });
  });

  it('map timeouts and the retry policy to Temporal options, durations in seconds or as "30s"', () => {
    const tool = {
      ...ticketTool,
      start_to_close_timeout: '2m',
      schedule_to_close_timeout: 3600,
      heartbeat_timeout: '10s',
      retry: {
        initial_interval: '500ms',
        backoff_coefficient: 1.5,
        maximum_interval: 20,
        maximum_attempts: 3,
        non_retryable_error_types: ['InvalidTicket'],
      },
    };
    expect(parse([tool]).success).toBe(true);
    expect(activityToolOptions(tool as ActivityTool)).toEqual({
      taskQueue: 'tickets',
      startToCloseTimeout: 120_000,
      scheduleToCloseTimeout: 3_600_000,
      heartbeatTimeout: 10_000,
      retry: {
        initialInterval: 500,
        backoffCoefficient: 1.5,
        maximumInterval: 20_000,
        maximumAttempts: 3,
        nonRetryableErrorTypes: ['InvalidTicket'],
      },
    });
    expect(durationMs('1.5h')).toBe(5_400_000);
  });

  it.each<[string, unknown, RegExp]>([
    [
      'named bash',
      [{ ...ticketTool, name: 'bash' }],
      /tools\.0\.name: the name "bash" is taken by one of Lucid's tools/,
    ],
    ['named delegate', [{ ...ticketTool, name: 'delegate' }], /the name "delegate" is taken/],
    ['named read_file', [{ ...ticketTool, name: 'read_file' }], /the name "read_file" is taken/],
    [
      'duplicate name',
      [ticketTool, { ...ticketTool, task_queue: 'other' }],
      /tools\.1\.name: another tool is already named "create_ticket"/,
    ],
    ['bad name', [{ ...ticketTool, name: 'create ticket' }], /tools\.0\.name: use letters, digits/],
    ['schema not object', [{ ...ticketTool, input_schema: { type: 'string' } }], /tools\.0\.input_schema\.type/],
    [
      'bad properties',
      [{ ...ticketTool, input_schema: { type: 'object', properties: [] } }],
      /tools\.0\.input_schema\.properties/,
    ],
    [
      'schema too big',
      [{ ...ticketTool, input_schema: { type: 'object', description: 'x'.repeat(70_000) } }],
      /input_schema is \d+ bytes serialized; at most 65536/,
    ],
    [
      'schema too deep',
      [{ ...ticketTool, input_schema: { type: 'object', properties: { a: nested(40) } } }],
      /input_schema nests deeper than 32 levels/,
    ],
    ['empty activity_type', [{ ...ticketTool, activity_type: '' }], /tools\.0\.activity_type/],
    ['long task_queue', [{ ...ticketTool, task_queue: 'q'.repeat(300) }], /tools\.0\.task_queue/],
    ['bad duration', [{ ...ticketTool, start_to_close_timeout: '30 seconds' }], /a duration: seconds, or e\.g\. "30s"/],
    [
      'timeout too short',
      [{ ...ticketTool, start_to_close_timeout: 0.5 }],
      /start_to_close_timeout: must be between 1 s and 24 h/,
    ],
    ['timeout too long', [{ ...ticketTool, start_to_close_timeout: '25h' }], /must be between 1 s and 24 h/],
    ['zero attempts', [{ ...ticketTool, retry: { maximum_attempts: 0 } }], /retry\.maximum_attempts/],
    [
      'intervals inverted',
      [{ ...ticketTool, retry: { initial_interval: 10, maximum_interval: 5 } }],
      /maximum_interval must not be below/,
    ],
    ['unknown retry key', [{ ...ticketTool, retry: { jitter: 1 } }], /Unrecognized key: "jitter"/],
    ['unknown key', [{ ...ticketTool, extra: true }], /tools\.0: Unrecognized key: "extra"/],
    ['no description', [{ ...ticketTool, description: undefined }], /tools\.0\.description/],
  ])('refuse a tool whose definition is wrong with a clear message (%s)', (_case, tools, message) => {
    expect(problems(tools)).toMatch(message);
  });

  it('show the model a string result as is, anything else as JSON, and cut a long one with a notice', () => {
    expect(activityResultText('Filed TICKET-1')).toBe('Filed TICKET-1');
    expect(activityResultText({ id: 'TICKET-1' })).toBe('{"id":"TICKET-1"}');
    expect(activityResultText(undefined)).toBe('(the activity returned no value)');
    const long = activityResultText('y'.repeat(MAX_ACTIVITY_RESULT_CHARS + 10));
    expect(long).toMatch(/\[output truncated: showed 32000 of 32010 characters\]$/);
    expect(long.length).toBeLessThan(MAX_ACTIVITY_RESULT_CHARS + 100);
  });
});

/** A schema of `levels` nested objects. */
function nested(levels: number): Record<string, unknown> {
  return levels === 0 ? { type: 'string' } : { type: 'object', properties: { next: nested(levels - 1) } };
}
