import { transcriptProblem } from '../../src/scripted-model/request-checks';
/**
 * The scripted model, exercised through the real Anthropic SDK over loopback HTTP.
 */
import Anthropic from '@anthropic-ai/sdk';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countInputTokens } from '../../src/domain/token-estimate';
import { parseScenario, ScenarioError, type Scenario } from '../../src/scripted-model/scenario';
import {
  EXPLAIN_TEXT,
  lastToolResultText,
  lastUserText,
  startScriptedModel,
  systemText,
  type ScriptedModel,
} from '../../src/scripted-model/server';

const MODEL = 'claude-test';

let model: ScriptedModel | undefined;

afterEach(async () => {
  await model?.close();
  model = undefined;
});

async function start(scenario: Scenario | string): Promise<{ model: ScriptedModel; client: Anthropic }> {
  model = await startScriptedModel({ scenario });
  return { model, client: new Anthropic({ apiKey: 'test', baseURL: model.url, maxRetries: 0 }) };
}

function ask(client: Anthropic, text: string, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) {
  return client.messages.create({
    model: MODEL,
    max_tokens: 100,
    messages: [{ role: 'user', content: text }],
    ...extra,
  });
}

function textOf(message: Anthropic.Message): string {
  return message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Anthropic.APIError);
    return error as InstanceType<typeof Anthropic.APIError>;
  }
  throw new Error('expected the request to fail');
}

/** The `message` of the API's error body (the SDK's own `message` is the status plus the whole body). */
function apiErrorMessage(error: InstanceType<typeof Anthropic.APIError>): string | undefined {
  return (error.error as { error?: { message?: string } } | undefined)?.error?.message;
}

/** Silences (and captures) the scripted model's stderr report of unmatched requests. */
function captureStderr(): { lines: () => string; restore: () => void } {
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return { lines: () => spy.mock.calls.map((call) => String(call[0])).join(''), restore: () => spy.mockRestore() };
}

describe('rule selection', () => {
  test('rules are tried in order and `times` limits how often a rule answers', async () => {
    const { model, client } = await start({
      rules: [
        { match: { last_user_text: 'special' }, reply: { content: [{ type: 'text', text: 'special' }] } },
        { times: 2, reply: { content: [{ type: 'text', text: 'first two' }] } },
        { reply: { content: [{ type: 'text', text: 'the rest' }] } },
      ],
    });

    const answers = [];
    for (const question of ['a', 'b', 'special', 'c', 'd']) answers.push(textOf(await ask(client, question)));

    expect(answers).toEqual(['first two', 'first two', 'special', 'the rest', 'the rest']);
    expect(model.requests.map((request) => request.rule_index)).toEqual([1, 1, 0, 2, 2]);
  });

  const fieldCases: Array<{ field: string; params: Partial<Anthropic.MessageCreateParamsNonStreaming> }> = [
    { field: 'system', params: { system: [{ type: 'text', text: 'You are a pirate.' }] } },
    {
      field: 'last_user_text',
      params: { messages: [{ role: 'user', content: [{ type: 'text', text: 'what is the weather?' }] }] },
    },
    {
      field: 'last_tool_result',
      params: {
        messages: [
          { role: 'user', content: 'run it' },
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 'toolu_1', name: 'bash', input: { command: 'true' } }],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'exit code 0' }] },
            ],
          },
        ],
      },
    },
    { field: 'request', params: { metadata: { user_id: 'user-42' } } },
    { field: 'model', params: { model: 'claude-special' } },
    { field: 'tools_include', params: { tools: [{ name: 'bash', input_schema: { type: 'object' } }] } },
  ];

  test.each(fieldCases)('match.$field picks the request out', async ({ field, params }) => {
    const { model, client } = await start({
      rules: [
        {
          match: { system: 'pirate', last_user_text: 'nothing like this' },
          reply: { content: [{ type: 'text', text: 'both' }] },
        },
        { match: { system: 'pirate' }, reply: { content: [{ type: 'text', text: 'system' }] } },
        { match: { last_user_text: 'weather' }, reply: { content: [{ type: 'text', text: 'last_user_text' }] } },
        {
          match: { last_tool_result: 'exit code 0' },
          reply: { content: [{ type: 'text', text: 'last_tool_result' }] },
        },
        { match: { request: '"user_id":"user-42"' }, reply: { content: [{ type: 'text', text: 'request' }] } },
        { match: { model: 'claude-special' }, reply: { content: [{ type: 'text', text: 'model' }] } },
        { match: { tools_include: 'bash' }, reply: { content: [{ type: 'text', text: 'tools_include' }] } },
        { reply: { content: [{ type: 'text', text: 'fallback' }] } },
      ],
    });

    expect(textOf(await ask(client, 'hello', params))).toBe(field);
    expect(textOf(await ask(client, 'hello'))).toBe('fallback');
    expect(model.requests).toHaveLength(2);
  });

  test('setScenario replaces the rules and resets their counts', async () => {
    const { client, model } = await start({
      rules: [{ times: 1, reply: { content: [{ type: 'text', text: 'one' }] } }],
    });
    expect(textOf(await ask(client, 'x'))).toBe('one');

    model.setScenario({ rules: [{ times: 1, reply: { content: [{ type: 'text', text: 'two' }] } }] });

    expect(textOf(await ask(client, 'x'))).toBe('two');
  });
});

describe('replies', () => {
  const toolReply: Scenario = {
    rules: [
      {
        reply: {
          content: [
            { type: 'text', text: 'I will write the file now, as you asked.' },
            {
              type: 'tool_use',
              name: 'write_file',
              input: { path: 'notes.txt', lines: ['a', 'b'], options: { mode: 420 } },
            },
          ],
        },
      },
    ],
  };

  test('a non-streaming answer carries the scripted content, a generated tool id and a default stop reason', async () => {
    const { client } = await start(toolReply);

    const message = await ask(client, 'write notes');

    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: MODEL,
      stop_reason: 'tool_use',
      content: [
        { type: 'text', text: 'I will write the file now, as you asked.' },
        {
          type: 'tool_use',
          name: 'write_file',
          input: { path: 'notes.txt', lines: ['a', 'b'], options: { mode: 420 } },
        },
      ],
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message.content[1]).toMatchObject({ id: expect.stringMatching(/^toolu_/) });
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  test('a stream read with messages.stream().finalMessage() adds up to the scripted content', async () => {
    const { client, model } = await start(toolReply);

    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'write notes' }],
    });
    const eventTypes: string[] = [];
    stream.on('streamEvent', (event) => eventTypes.push(event.type));
    const message = await stream.finalMessage();

    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'I will write the file now, as you asked.' }),
      expect.objectContaining({
        type: 'tool_use',
        id: expect.stringMatching(/^toolu_/),
        name: 'write_file',
        input: { path: 'notes.txt', lines: ['a', 'b'], options: { mode: 420 } },
      }),
    ]);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(eventTypes[0]).toBe('message_start');
    expect(eventTypes.filter((type) => type === 'content_block_delta').length).toBeGreaterThan(2);
    expect(eventTypes.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(model.requests[0].stream).toBe(true);
  });

  test('tool ids are unique within and across replies; an explicit stop reason and usage win', async () => {
    const { client } = await start({
      rules: [
        {
          reply: {
            content: [
              { type: 'tool_use', name: 'a', input: {} },
              { type: 'tool_use', name: 'b' },
            ],
            stop_reason: 'max_tokens',
            usage: { input_tokens: 1234, output_tokens: 56 },
          },
        },
      ],
    });

    const first = await ask(client, 'x');
    const second = await ask(client, 'x');

    const ids = [...first.content, ...second.content].map((block) => (block.type === 'tool_use' ? block.id : ''));
    expect(new Set(ids).size).toBe(4);
    expect(first.stop_reason).toBe('max_tokens');
    expect(first.usage).toMatchObject({ input_tokens: 1234, output_tokens: 56 });
    expect(first.content[1]).toMatchObject({ name: 'b', input: {} });
  });

  test('{{n}} and {{request_index}} are filled in text and, deeply, in tool inputs', async () => {
    const { client } = await start({
      rules: [
        { match: { last_user_text: 'other' }, reply: { content: [{ type: 'text', text: 'other' }] } },
        {
          reply: {
            content: [
              { type: 'text', text: 'turn {{n}}' },
              {
                type: 'tool_use',
                name: 'write',
                input: { path: 'file-{{n}}.txt', meta: { tags: ['req-{{request_index}}'] }, size: 3 },
              },
            ],
          },
        },
      ],
    });

    const first = await ask(client, 'go');
    await ask(client, 'other');
    const second = await client.messages
      .stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'go' }] })
      .finalMessage();

    expect(first.content).toMatchObject([
      { text: 'turn 1' },
      { input: { path: 'file-1.txt', meta: { tags: ['req-0'] }, size: 3 } },
    ]);
    expect(second.content).toMatchObject([
      { text: 'turn 2' },
      { input: { path: 'file-2.txt', meta: { tags: ['req-2'] }, size: 3 } },
    ]);
  });

  test('repeat_text adds one long text block before the content', async () => {
    const { client } = await start({
      rules: [{ repeat_text: { text: 'ab', count: 500 }, reply: { content: [{ type: 'text', text: 'end' }] } }],
    });

    const message = await ask(client, 'x');

    expect(message.content).toMatchObject([{ text: 'ab'.repeat(500) }, { text: 'end' }]);
    expect(message.usage.output_tokens).toBeGreaterThanOrEqual(250);
  });
});

describe('errors', () => {
  test('429 carries retry-after on the SDK error headers', async () => {
    const { client } = await start({ rules: [{ reply: { error: { status: 429, retry_after: 7 } } }] });

    const error = await rejection(ask(client, 'x'));

    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.status).toBe(429);
    expect(error.headers?.get('retry-after')).toBe('7');
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(error.requestID).toMatch(/^req_/);
  });

  test('529 is an overloaded_error, also for a stream', async () => {
    const { client } = await start({ rules: [{ reply: { error: { status: 529, message: 'Overloaded' } } }] });

    const error = await rejection(
      client.messages
        .stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'x' }] })
        .finalMessage(),
    );

    expect(error.status).toBe(529);
    expect(error.error).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });

  test('a scripted 400 is a BadRequestError; an error rule with times lets a later rule succeed', async () => {
    const { client, model } = await start({
      rules: [
        { times: 1, reply: { error: { status: 400, message: 'prompt is too long' } } },
        { reply: { content: [{ type: 'text', text: 'ok' }] } },
      ],
    });

    const error = await rejection(ask(client, 'x'));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(apiErrorMessage(error)).toBe('prompt is too long');
    expect(textOf(await ask(client, 'x'))).toBe('ok');
    expect(model.requests.map((request) => request.rule_index)).toEqual([0, 1]);
  });

  test('a request no rule matches gets a 400 naming it, and is reported on stderr', async () => {
    const { client, model } = await start({ rules: [{ match: { last_user_text: 'hello' }, reply: { content: [] } }] });
    const stderr = captureStderr();
    try {
      const error = await rejection(ask(client, 'something unexpected'));

      expect(error.status).toBe(400);
      expect(error.error).toMatchObject({ error: { type: 'invalid_request_error' } });
      expect(apiErrorMessage(error)).toContain(
        'scripted model: no rule matches request #0 (last user text: "something unexpected")',
      );
      expect(stderr.lines()).toContain('no rule matches request #0');
      expect(model.requests[0].rule_index).toBeNull();
    } finally {
      stderr.restore();
    }
  });

  test('with "fallback": "explain", a request no rule matches ends the turn pointing to ANTHROPIC_API_KEY', async () => {
    const { client, model } = await start({
      fallback: 'explain',
      rules: [{ match: { last_user_text: 'hello' }, reply: { content: [{ type: 'text', text: 'Hi!' }] } }],
    });
    expect(textOf(await ask(client, 'hello'))).toBe('Hi!');

    const unmatched = await ask(client, 'What is in your workspace?');
    expect(unmatched.stop_reason).toBe('end_turn');
    expect(textOf(unmatched)).toBe(EXPLAIN_TEXT);
    expect(textOf(unmatched)).toContain('Set ANTHROPIC_API_KEY');
    const streamed = await client.messages
      .stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'And now?' }] })
      .finalMessage();
    expect(textOf(streamed)).toBe(EXPLAIN_TEXT);
    expect(model.requests.map((request) => request.rule_index)).toEqual([0, null, null]);
  });

  test('a fallback other than error or explain is refused', async () => {
    await expect(start({ fallback: 'guess', rules: [] } as unknown as Scenario)).rejects.toThrow(
      /invalid scenario:\n {2}- fallback: /,
    );
  });

  test('unknown endpoints answer 404 with an API error body', async () => {
    const { client } = await start({ rules: [] });

    const error = await rejection(client.models.list());

    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe('usage and the simulated prompt cache', () => {
  const system: Anthropic.TextBlockParam[] = [
    { type: 'text', text: 'You are a careful engineer. '.repeat(50), cache_control: { type: 'ephemeral' } },
  ];

  test('a repeated cached prefix is created once, then read', async () => {
    const { client } = await start({ rules: [{ reply: { content: [{ type: 'text', text: 'ok' }] } }] });

    const first = await ask(client, 'question one', { system });
    const second = await ask(client, 'question two', { system });

    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(first.usage.cache_read_input_tokens).toBe(0);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.cache_creation_input_tokens).toBe(0);
    expect(second.usage.input_tokens).toBeGreaterThan(0); // the uncached question after the breakpoint
  });

  test('a breakpoint that moves to the newest message still reads the previous turn, also when streaming', async () => {
    const { client } = await start({ rules: [{ reply: { content: [{ type: 'text', text: 'ok' }] } }] });
    const ephemeral = { type: 'ephemeral' as const };
    const turn1: Anthropic.MessageParam[] = [
      { role: 'user', content: [{ type: 'text', text: 'first question', cache_control: ephemeral }] },
    ];
    const turn2: Anthropic.MessageParam[] = [
      { role: 'user', content: [{ type: 'text', text: 'first question' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
      { role: 'user', content: [{ type: 'text', text: 'second question', cache_control: ephemeral }] },
    ];

    const first = await ask(client, '', { system, messages: turn1 });
    const second = await client.messages
      .stream({ model: MODEL, max_tokens: 100, system, messages: turn2 })
      .finalMessage();

    const firstPrompt = first.usage.cache_creation_input_tokens ?? 0;
    expect(second.usage.cache_read_input_tokens).toBe(firstPrompt);
    expect(second.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(second.usage.input_tokens).toBe(0);
  });

  test('like the API, an entry more than 20 blocks before the newest breakpoint is found only through an earlier breakpoint', async () => {
    const { client } = await start({ rules: [{ reply: { content: [{ type: 'text', text: 'ok' }] } }] });
    const ephemeral = { type: 'ephemeral' as const };
    const text = (value: string, marked = false) => ({
      type: 'text' as const,
      text: value,
      ...(marked ? { cache_control: ephemeral } : {}),
    });
    const wideAnswer = Array.from({ length: 25 }, (_, index) => text(`part ${index}`));
    const turn2 = (markPreviousEnd: boolean): Anthropic.MessageParam[] => [
      { role: 'user', content: [text('first question', markPreviousEnd)] },
      { role: 'assistant', content: wideAnswer },
      { role: 'user', content: [text('second question', true)] },
    ];

    // The cache is per model: each case gets a model of its own, so neither sees the other's entries.
    const conversation = async (model: string, markPreviousEnd: boolean) => {
      const first = await ask(client, '', {
        model,
        system,
        messages: [{ role: 'user', content: [text('first question', true)] }],
      });
      return { first, second: await ask(client, '', { model, system, messages: turn2(markPreviousEnd) }) };
    };
    const { second: outOfReach } = await conversation('model-a', false);
    const { first, second: reached } = await conversation('model-b', true);

    const systemOnly = (await ask(client, 'other', { model: 'model-a', system })).usage.cache_read_input_tokens;
    expect(outOfReach.usage.cache_read_input_tokens).toBe(systemOnly); // only the system breakpoint's entry
    expect(reached.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
  });

  test('the cache is per model, and count_tokens counts the whole prompt', async () => {
    const { client } = await start({ rules: [{ reply: { content: [{ type: 'text', text: 'ok' }] } }] });

    const first = await ask(client, 'q', { system });
    const otherModel = await ask(client, 'q', { system, model: 'claude-other' });
    const counted = await client.messages.countTokens({
      model: MODEL,
      system,
      messages: [{ role: 'user', content: 'q' }],
    });

    expect(otherModel.usage.cache_read_input_tokens).toBe(0);
    const { input_tokens, cache_read_input_tokens, cache_creation_input_tokens } = first.usage;
    expect(counted.input_tokens).toBe(
      input_tokens + (cache_read_input_tokens ?? 0) + (cache_creation_input_tokens ?? 0),
    );
  });

  test('a prompt without breakpoints is all plain input and grows with the prompt', async () => {
    const { client } = await start({ rules: [{ reply: { content: [{ type: 'text', text: 'ok' }] } }] });

    const short = await ask(client, 'hi');
    const long = await ask(client, 'hi '.repeat(400));

    expect(short.usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(long.usage.input_tokens).toBeGreaterThan(short.usage.input_tokens + 250);
  });
});

describe('the context window', () => {
  const reply: Scenario['rules'][number] = { reply: { content: [{ type: 'text', text: 'ok' }] } };

  test("a prompt over the window gets the API's 400, naming both numbers, and uses up no rule", async () => {
    const { client, model } = await start({
      context_windows: { 'scripted-small': 100 },
      rules: [{ ...reply, times: 1 }],
    });
    const long = 'x'.repeat(1000);
    const tokens = countInputTokens({ model: 'scripted-small', messages: [{ role: 'user', content: long }] });

    const error = await rejection(ask(client, long, { model: 'scripted-small' }));
    const fits = await ask(client, 'short', { model: 'scripted-small' });

    expect(tokens).toBeGreaterThan(100);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: `prompt is too long: ${tokens} tokens > 100 maximum` },
    });
    expect(textOf(fits)).toBe('ok');
    expect(model.requests[0].rule_index).toBeNull();
  });

  test('the window counts system and tools too; count_tokens still answers; other models get the default', async () => {
    const { client } = await start({ context_window: 300, context_windows: { 'scripted-small': 50 }, rules: [reply] });
    const system = 'y'.repeat(400); // about 100 tokens: over 50, under 300

    const refused = await rejection(ask(client, 'hi', { model: 'scripted-small', system }));
    const counted = await client.messages.countTokens({
      model: 'scripted-small',
      system,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const other = await ask(client, 'hi', { system });

    expect(apiErrorMessage(refused)).toBe(`prompt is too long: ${counted.input_tokens} tokens > 50 maximum`);
    expect(textOf(other)).toBe('ok');
    expect(other.usage.input_tokens).toBe(counted.input_tokens);
  });

  test('200,000 tokens by default', async () => {
    const { client } = await start({ rules: [reply] });

    const error = await rejection(ask(client, 'z'.repeat(800_004)));

    expect(apiErrorMessage(error)).toMatch(/^prompt is too long: 2000\d\d tokens > 200000 maximum$/);
  });

  test('a window must be a positive integer', () => {
    expect(() => parseScenario({ context_windows: { m: 0 }, rules: [] })).toThrow(/context_windows\.m/);
  });
});

describe('delays', () => {
  test('delay_ms holds the answer back; a quicker rule answers a later request first', async () => {
    const { client, model } = await start({
      rules: [
        // Long enough that the second request, sent once the first has arrived, is answered first even on a loaded
        // machine (400 ms was not, once, in CI).
        { match: { last_user_text: 'slow' }, delay_ms: 2000, reply: { content: [{ type: 'text', text: 'slow' }] } },
        { reply: { content: [{ type: 'text', text: 'fast' }] } },
      ],
    });
    const finished: string[] = [];

    const slow = ask(client, 'slow').then((message) => finished.push(textOf(message)));
    await waitFor(() => model.requests.length === 1);
    const fast = ask(client, 'fast').then((message) => finished.push(textOf(message)));
    await Promise.all([slow, fast]);

    expect(finished).toEqual(['fast', 'slow']);
    const [slowRequest] = model.requests;
    expect(slowRequest.answered_at! - slowRequest.received_at).toBeGreaterThanOrEqual(390); // timers may round down 1 ms
  });

  test('a delayed stream starts at once and spreads its events over the delay', async () => {
    const { client, model } = await start({
      default_delay_ms: 400,
      rules: [{ reply: { content: [{ type: 'text', text: 'a streamed answer in several chunks' }] } }],
    });
    const seen: Array<{ type: string; at: number }> = [];

    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x' }],
    });
    stream.on('streamEvent', (event) => seen.push({ type: event.type, at: Date.now() }));
    const message = await stream.finalMessage();

    expect(textOf(message)).toBe('a streamed answer in several chunks');
    expect(seen[0].type).toBe('message_start');
    expect(seen[seen.length - 1].at - seen[0].at).toBeGreaterThanOrEqual(200);
    expect(model.requests[0].answered_at! - model.requests[0].received_at).toBeGreaterThanOrEqual(390);
  });

  test('a client that abandons a slow stream does not disturb later requests', async () => {
    const { client, model } = await start({
      rules: [
        { times: 1, delay_ms: 10_000, reply: { content: [{ type: 'text', text: 'never finished' }] } },
        { reply: { content: [{ type: 'text', text: 'next' }] } },
      ],
    });

    const stream = client.messages.stream({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'x' }],
    });
    const outcome = stream.done().catch((error: unknown) => error);
    await new Promise<void>((resolve) => stream.on('streamEvent', () => resolve()));
    stream.abort();

    expect(await outcome).toBeInstanceOf(Anthropic.APIUserAbortError);

    expect(textOf(await ask(client, 'y'))).toBe('next');
    expect(model.requests[0].answered_at).toBeUndefined();
  });

  test('close() cuts a request that is still waiting, without waiting for it', async () => {
    const { client, model } = await start({ rules: [{ delay_ms: 60_000, reply: { content: [] } }] });

    const pending = ask(client, 'x').catch((error: unknown) => error);
    await waitFor(() => model.requests.length === 1);
    await model.close();

    expect(await pending).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(model.requests[0].answered_at).toBeUndefined();
  });
});

describe('holding requests', () => {
  test('hold() keeps requests unanswered until released, then answers each as usual', async () => {
    const { client, model } = await start({ rules: [{ reply: { content: [{ type: 'text', text: 'released' }] } }] });
    const release = model.hold();
    let answered = false;
    const held = ask(client, 'first').then((message) => {
      answered = true;
      return textOf(message);
    });
    await waitFor(() => model.requests.length === 1);
    // A later request is held too; neither has an answer while the hold is on.
    const second = ask(client, 'second');
    await waitFor(() => model.requests.length === 2);
    expect(answered).toBe(false);
    expect(model.requests.map((request) => request.answered_at)).toEqual([undefined, undefined]);

    release();
    expect(await held).toBe('released');
    expect(textOf(await second)).toBe('released');
    // Released for good: the next request is answered without waiting.
    expect(textOf(await ask(client, 'third'))).toBe('released');
  });
});

describe('recording', () => {
  test('every request is recorded with lower-case headers and its body; any auth is accepted', async () => {
    const { client, model } = await start({ rules: [{ reply: { content: [{ type: 'text', text: 'ok' }] } }] });

    await ask(client, 'with the SDK');
    const raw = await fetch(`${model.url}/v1/messages`, {
      method: 'POST',
      headers: { 'X-Api-Key': 'key-123', 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'with x-api-key' }] }),
    });
    const notJson = await fetch(`${model.url}/v1/messages`, { method: 'POST', body: 'not json' });

    expect(raw.status).toBe(200);
    expect(notJson.status).toBe(400);
    const [sdk, keyed, broken] = model.requests;
    expect(sdk).toMatchObject({ index: 0, path: '/v1/messages', stream: false, rule_index: 0 });
    expect(sdk.headers.authorization).toBe('Bearer test');
    expect(sdk.headers['content-type']).toContain('application/json');
    expect(sdk.body).toMatchObject({ model: MODEL, messages: [{ role: 'user', content: 'with the SDK' }] });
    expect(sdk.answered_at).toBeGreaterThanOrEqual(sdk.received_at);
    expect(keyed.headers['x-api-key']).toBe('key-123');
    expect(broken).toMatchObject({ index: 2, body: 'not json', rule_index: null });
  });

  test('request helpers read system, last user text and last tool result', () => {
    const body = {
      system: [
        { type: 'text', text: 'line one' },
        { type: 'text', text: 'line two' },
      ],
      messages: [
        { role: 'user', content: 'old question' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'bash', input: {} }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 't0', content: 'first result' },
            { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'second result' }] },
            { type: 'text', text: 'and a remark' },
          ],
        },
      ],
    };

    expect(systemText(body)).toBe('line one\nline two');
    expect(systemText({ system: 'plain' })).toBe('plain');
    expect(lastUserText(body)).toBe('and a remark');
    expect(lastToolResultText(body)).toBe('second result');
    expect(lastToolResultText({ messages: [{ role: 'user', content: 'no tools' }] })).toBe('');
  });
});

describe('scenario validation', () => {
  test('an invalid scenario is rejected with the path of each bad field', async () => {
    const bad = {
      rules: [
        { reply: { content: [{ type: 'tool_use', input: {} }] } },
        { reply: { error: { status: 200 } }, tims: 1 },
      ],
    };

    const error = await startScriptedModel({ scenario: bad as unknown as Scenario }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ScenarioError);
    const message = (error as Error).message;
    expect(message).toContain('rules[0].reply.content[0].name');
    expect(message).toContain('rules[1].reply.error.status');
    expect(message).toContain('Unrecognized key: "tims"');
  });

  test('a scenario file is loaded, and a bad one is named in the error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scripted-model-'));
    const good = join(dir, 'good.json');
    const notJson = join(dir, 'not-json.json');
    const badField = join(dir, 'bad-field.json');
    writeFileSync(good, JSON.stringify({ rules: [{ reply: { content: [{ type: 'text', text: 'from file' }] } }] }));
    writeFileSync(notJson, '{ "rules": [ ');
    writeFileSync(badField, JSON.stringify({ rules: [{ reply: { content: [], stop_reason: 'done' } }] }));

    await expect(startScriptedModel({ scenario: notJson })).rejects.toThrow(
      `scenario file ${notJson} is not valid JSON`,
    );
    await expect(startScriptedModel({ scenario: badField })).rejects.toThrow(
      /bad-field\.json[\s\S]*rules\[0\]\.reply\.stop_reason/,
    );
    const { client } = await start(good);
    expect(textOf(await ask(client, 'x'))).toBe('from file');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('transcript checks, as the real API makes them', () => {
  it('accepts a well-formed tool round', () => {
    expect(
      transcriptProblem({
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok' }] },
        ],
      }),
    ).toBeNull();
  });

  it('rejects a tool_result whose tool_use is not in the previous message', () => {
    expect(
      transcriptProblem({
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'text', text: 'hm' }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'ok' }] },
        ],
      }),
    ).toMatch(/unexpected `tool_use_id`.*toolu_9/);
  });

  it('rejects roles that do not alternate and a transcript that starts with the assistant', () => {
    expect(
      transcriptProblem({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
      }),
    ).toMatch(/alternate/);
    expect(transcriptProblem({ messages: [{ role: 'assistant', content: 'a' }] })).toMatch(/first message/);
  });

  it('rejects a tool_use left without its result', () => {
    expect(
      transcriptProblem({
        messages: [
          { role: 'user', content: 'go' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'x', input: {} }] },
          { role: 'user', content: [{ type: 'text', text: 'never mind' }] },
        ],
      }),
    ).toMatch(/without `tool_result`/);
  });
});
