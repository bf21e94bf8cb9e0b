/**
 * Fault injection in the scripted model (a scenario's `faults` setting), through the real SDK over loopback.
 */
import Anthropic from '@anthropic-ai/sdk';
import { FAULT_KINDS, mulberry32, type FaultKind, type FaultOptions } from '../../src/scripted-model/faults';
import { ScenarioError, type Rule } from '../../src/scripted-model/scenario';
import { startScriptedModel, type ScriptedModel } from '../../src/scripted-model/server';

const MODEL = 'claude-test';
const okRule: Rule = { reply: { content: [{ type: 'text', text: 'ok' }] } };

let model: ScriptedModel | undefined;

afterEach(async () => {
  await model?.close();
  model = undefined;
});

async function start(
  faults: FaultOptions,
  rules: Rule[] = [okRule],
): Promise<{ model: ScriptedModel; client: Anthropic }> {
  model = await startScriptedModel({ scenario: { rules, faults } });
  return { model, client: new Anthropic({ apiKey: 'test', baseURL: model.url, maxRetries: 0 }) };
}

const params = { model: MODEL, max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };

/** What a streamed request ends in: the message text, or the error it rejects with. */
async function streamOutcome(client: Anthropic): Promise<string | Error> {
  try {
    const message = await client.messages.stream(params).finalMessage();
    return message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
  } catch (error) {
    return error as Error;
  }
}

describe('each fault kind, as the SDK sees it', () => {
  test('429 is a rate limit error with retry-after', async () => {
    const { client, model } = await start({ rate: 1, kinds: ['429'] });

    const error = await streamOutcome(client);

    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after')).toBe('1');
    expect((error as InstanceType<typeof Anthropic.APIError>).requestID).toMatch(/^req_scripted_/);
    expect(model.requests[0]).toMatchObject({ fault: '429', rule_index: null });
    expect(model.faultCounts).toEqual({ '429': 1, '529': 0, '500': 0, drop: 0, stall: 0 });
  });

  test('529 is overloaded and 500 an internal server error', async () => {
    const { client, model } = await start({ rate: 1, kinds: ['529', '500'] });

    const overloaded = (await streamOutcome(client)) as InstanceType<typeof Anthropic.APIError>;
    const internal = (await streamOutcome(client)) as InstanceType<typeof Anthropic.APIError>;

    expect(overloaded.status).toBe(529);
    expect(overloaded.error).toMatchObject({ error: { type: 'overloaded_error' } });
    expect(internal).toBeInstanceOf(Anthropic.InternalServerError);
    expect(model.requests.map((request) => request.fault)).toEqual(['529', '500']);
  });

  test('drop cuts a stream after its first event, and a plain request before any byte', async () => {
    const { client, model } = await start({ rate: 1, kinds: ['drop'] });
    const events: string[] = [];

    const stream = client.messages.stream(params);
    stream.on('streamEvent', (event) => events.push(event.type));
    const streamError = await stream.finalMessage().then(
      () => null,
      (error: unknown) => error,
    );
    const plainError = await client.messages.create(params).then(
      () => null,
      (error: unknown) => error,
    );

    expect(events).toEqual(['message_start']);
    expect(streamError).toBeInstanceOf(Error);
    expect(plainError).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(model.requests.map((request) => request.answered_at)).toEqual([undefined, undefined]);
    expect(model.faultCounts.drop).toBe(2);
  });

  test('stall holds a request for stall_ms, then answers it from the rules', async () => {
    const { client, model } = await start({ rate: 1, kinds: ['stall'], stall_ms: 400 });

    expect(await streamOutcome(client)).toBe('ok');
    const [request] = model.requests;
    expect(request.answered_at! - request.received_at).toBeGreaterThanOrEqual(390); // timers may round down 1 ms
    expect(request).toMatchObject({ fault: 'stall', rule_index: 0 });
  });
});

describe('which requests fail', () => {
  test('a seeded share of requests, the same ones for the same seed, with the kinds taking turns', async () => {
    const runFaults = async (seed: number): Promise<Array<FaultKind | null>> => {
      const { model, client } = await start({ rate: 0.3, kinds: ['429', '500', '529'], seed });
      for (let index = 0; index < 60; index++) await streamOutcome(client);
      const faults = model.requests.map((request) => request.fault);
      await model.close();
      return faults;
    };

    const first = await runFaults(7);
    const again = await runFaults(7);
    const other = await runFaults(8);

    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    const injected = first.filter((fault) => fault !== null);
    expect(injected.length).toBe(first.filter((_, index) => seededDraws(7, 60)[index] < 0.3).length);
    expect(injected.length).toBeGreaterThan(5);
    expect(injected.length).toBeLessThan(35);
    expect(injected.slice(0, 6)).toEqual(['429', '500', '529', '429', '500', '529']);
  });

  test('a faulted request uses up no rule, and count_tokens is never faulted', async () => {
    const { client, model } = await start({ rate: 1, kinds: ['500'] }, [{ times: 1, ...okRule }]);

    for (let index = 0; index < 3; index++) await streamOutcome(client);
    const counted = await client.messages.countTokens({ model: MODEL, messages: params.messages });

    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(model.requests.map((request) => request.fault)).toEqual(['500', '500', '500', null]);
    expect(model.requests.every((request) => request.rule_index === null)).toBe(true);
    model.setScenario({ rules: [okRule] });
    expect(await streamOutcome(client)).toBe('ok');
    expect(model.faultCounts['500']).toBe(3); // counts survive setScenario
  });

  test('rate 0 injects nothing', async () => {
    const { client, model } = await start({ rate: 0 });

    for (let index = 0; index < 10; index++) expect(await streamOutcome(client)).toBe('ok');

    expect(Object.values(model.faultCounts)).toEqual(FAULT_KINDS.map(() => 0));
  });
});

describe('validation of the faults setting', () => {
  test.each([
    [{ rate: 1.5 }, 'faults.rate'],
    [{ rate: 0.2, kinds: ['429', 'teapot'] }, 'faults.kinds[1]'],
    [{ rate: 0.2, kinds: ['429', '429'] }, 'each kind may be listed once'],
    [{ rate: 0.2, kinds: [] }, 'faults.kinds'],
    [{ rate: 0.2, stall: 5 }, 'Unrecognized key: "stall"'],
    [{ kinds: ['drop'] }, 'faults.rate'],
  ])('%j is rejected, naming %s', async (faults, expected) => {
    const attempt = startScriptedModel({ scenario: { rules: [], faults } as never });

    await expect(attempt).rejects.toThrow(ScenarioError);
    await expect(attempt).rejects.toThrow(expected);
  });
});

function seededDraws(seed: number, count: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => random());
}
