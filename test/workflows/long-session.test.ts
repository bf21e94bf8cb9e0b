/**
 * A session of 200+ turns whose tool outputs total more than 5 MB: the transcript never travels as one payload
 * and the workflow continues-as-new before its history grows large.
 */
import fs from 'node:fs';
import path from 'node:path';
import { summarizeRuns } from '../../bench/lib/history';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import { countInputTokens } from '../../src/domain/token-estimate';
import { expectWellFormedLog, startSessionHarness, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';

const TURNS = 200;
const FILE_BYTES = 27_000; // under the 32,000-character tool output cap, so nothing is truncated

const agent: AgentDefinition = {
  name: 'marathon',
  model: 'scripted-small',
  system: 'Read every file.',
  tools: ['read_file'],
  max_turns: TURNS + 10,
  max_tokens: 256,
};

describe('a long session', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({
      rules: [
        {
          match: {},
          times: TURNS,
          reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'data/file-{{n}}.txt' } }] },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Read them all.' }] } },
      ],
    });
  });
  afterAll(async () => harness?.close());

  it(`completes ${TURNS} tool turns over more than 5 MB of tool output with bounded histories`, async () => {
    const workspace = tempDir('lucid-long-');
    fs.mkdirSync(path.join(workspace, 'data'));
    for (let n = 1; n <= TURNS; n++) {
      const line = `file ${n}: ${'lorem ipsum dolor sit amet '.repeat(4)}\n`;
      fs.writeFileSync(
        path.join(workspace, 'data', `file-${n}.txt`),
        line.repeat(Math.ceil(FILE_BYTES / line.length)).slice(0, FILE_BYTES),
      );
    }

    const sessionId = await harness.lucid.startSession({
      agent,
      message: 'Read every data file, one per turn.',
      workspace,
    });
    const snapshot = await harness.lucid.result(sessionId);
    const events = await harness.store.readEvents(sessionId);

    // 5.4 MB is about 1.4M tokens: seven 200,000-token windows, so Lucid cleared old tool results on the way.
    const clearings = events.filter((event) => event.type === 'span.context_cleared').length;
    expect(clearings).toBeGreaterThan(0);
    const requests = harness.model.requests.filter((request) => request.path === '/v1/messages');
    for (const request of requests) expect(countInputTokens(request.body)).toBeLessThanOrEqual(200_000);
    // user.message + running + 200 × (span start, tool_use, span end, tool_result) + final 3 + idle + terminated,
    // and the clearing batches
    const expectedEvents = 2 + TURNS * 4 + 3 + 2 + clearings;
    expect(snapshot).toMatchObject({
      stop_reason: { type: 'end_turn' },
      turns: TURNS + 1,
      event_count: expectedEvents,
    });
    expectWellFormedLog(events, expectedEvents);
    const toolOutputBytes = events.reduce(
      (sum, event) => sum + (event.type === 'agent.tool_result' ? event.content[0].text.length : 0),
      0,
    );
    expect(toolOutputBytes).toBeGreaterThan(5_000_000);
    expect(events.filter((event) => event.type === 'agent.tool_result' && event.is_error)).toHaveLength(0);

    // Every run of the chain stays small; the session continued-as-new along the way.
    const runs = await summarizeRuns(harness.temporal.client, sessionId);
    const report = {
      runs: runs.length,
      maxHistoryLength: Math.max(...runs.map((run) => run.events)),
      maxHistoryPayloadBytes: Math.max(...runs.map((run) => run.payloadBytes)),
      largestPayloadBytes: Math.max(...runs.map((run) => run.largestPayloadBytes)),
      toolOutputBytes,
      cacheReadTokens: snapshot.usage.cache_read_input_tokens,
      inputTokens: snapshot.usage.input_tokens,
    };
    console.log(`long session: ${JSON.stringify(report)}`);
    expect(runs.length).toBeGreaterThan(1);
    expect(report.maxHistoryLength).toBeLessThan(4096);
    expect(report.largestPayloadBytes).toBeLessThan(256 * 1024);
    // Prompt caching: most input tokens of a long session come from the cache.
    expect(snapshot.usage.cache_read_input_tokens).toBeGreaterThan(snapshot.usage.input_tokens);
  });
});
