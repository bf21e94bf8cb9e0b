/**
 * A session on a 20,000-token window whose tool outputs add up to more than five times the window: Lucid clears
 * old tool results in batches, so every request fits, while the event log keeps every result whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentDefinition } from '../../src/domain/agent-definition';
import type { SessionEvent } from '../../src/domain/events';
import { countInputTokens, estimateTokens } from '../../src/domain/token-estimate';
import { expectWellFormedLog, startSessionHarness, type SessionHarness } from '../helpers/session';
import { tempDir } from '../helpers/temporal';

const WINDOW = 20_000;
const FILES = 60;
const FILE_CHARS = 8_000; // about 2,000 tokens per result: 60 of them are 120,000 tokens, six windows

const agent: AgentDefinition = {
  name: 'reader',
  model: 'scripted-small',
  system: 'Read every file.',
  tools: ['read_file'],
  max_turns: FILES + 5,
  max_tokens: 256,
  context_window: WINDOW,
};

type ToolResult = Extract<SessionEvent, { type: 'agent.tool_result' }>;
type Cleared = Extract<SessionEvent, { type: 'span.context_cleared' }>;

/** The tool_result blocks of a recorded request, in transcript order, with their text. */
function toolResultTexts(body: { messages: Array<{ content: unknown }> }): string[] {
  return body.messages.flatMap((message) =>
    Array.isArray(message.content)
      ? message.content
          .filter((block: { type: string }) => block.type === 'tool_result')
          .map((block: { content: Array<{ text: string }> }) => block.content.map((part) => part.text).join(''))
      : [],
  );
}

describe('clearing old tool results', () => {
  let harness: SessionHarness;
  beforeAll(async () => {
    harness = await startSessionHarness({
      context_windows: { 'scripted-small': WINDOW },
      rules: [
        {
          match: {},
          times: FILES,
          reply: { content: [{ type: 'tool_use', name: 'read_file', input: { path: 'data/file-{{n}}.txt' } }] },
        },
        { match: {}, reply: { content: [{ type: 'text', text: 'Read them all.' }] } },
      ],
    });
  });
  afterAll(async () => harness?.close());

  it('keeps every request inside a small window while the log keeps every tool result whole', async () => {
    const workspace = tempDir('lucid-clearing-');
    fs.mkdirSync(path.join(workspace, 'data'));
    const contents = Array.from({ length: FILES }, (_, index) => {
      const line = `file ${index + 1}: ${'lorem ipsum dolor sit amet '.repeat(3)}\n`;
      return line.repeat(Math.ceil(FILE_CHARS / line.length)).slice(0, FILE_CHARS);
    });
    contents.forEach((content, index) =>
      fs.writeFileSync(path.join(workspace, 'data', `file-${index + 1}.txt`), content),
    );

    const sessionId = await harness.lucid.startSession({ agent, message: 'Read every data file.', workspace });
    const snapshot = await harness.lucid.result(sessionId);

    expect(snapshot.stop_reason).toEqual({ type: 'end_turn' });
    expect(snapshot.turns).toBe(FILES + 1);

    // The log: every tool result whole, the clearing batches in order, no gap.
    const events = await harness.store.readEvents(sessionId);
    expectWellFormedLog(events, events.length);
    const results = events.filter((event): event is ToolResult => event.type === 'agent.tool_result');
    expect(results.map((event) => event.content[0].text)).toEqual(contents);
    expect(estimateTokens(contents.join(''))).toBeGreaterThan(5 * WINDOW);
    const batches = events.filter((event): event is Cleared => event.type === 'span.context_cleared');
    expect(batches.length).toBeGreaterThan(1);
    for (const [index, batch] of batches.entries()) {
      const previous = index === 0 ? 0 : batches[index - 1].cleared_through_seq;
      expect(batch.cleared_through_seq).toBeGreaterThan(previous);
      expect(batch.tool_results_cleared).toBeGreaterThan(0);
      expect(batch.estimated_tokens_before).toBeGreaterThanOrEqual(0.7 * WINDOW);
      // Down to the target, unless only the newest three (kept whole) stood above it.
      expect(batch.estimated_tokens_after).toBeLessThan(0.6 * WINDOW);
      // Recorded just before the request it applies to.
      expect(events[batch.seq]).toMatchObject({ type: 'span.model_request_start' });
    }

    // What the model saw: no request over the window, by the scripted model's own measure.
    const requests = harness.model.requests.filter((request) => request.path === '/v1/messages');
    expect(requests).toHaveLength(FILES + 1);
    for (const request of requests) expect(countInputTokens(request.body)).toBeLessThanOrEqual(WINDOW);
    const largest = Math.max(...requests.map((request) => countInputTokens(request.body)));
    expect(largest).toBeLessThan(0.75 * WINDOW);
    // The workflow's estimate of each cleared request is exactly what the scripted model measured: one estimate.
    const requestIndexAt = (seq: number) =>
      events.filter((event) => event.type === 'span.model_request_start' && event.seq < seq).length;
    for (const batch of batches) {
      const measured = countInputTokens(requests[requestIndexAt(batch.seq + 1)].body);
      console.log(
        `batch through ${batch.cleared_through_seq}: estimated ${batch.estimated_tokens_after}, measured ${measured}`,
      );
      expect(Math.abs(measured - batch.estimated_tokens_after)).toBeLessThan(0.01 * WINDOW);
    }

    // The last request: old results are placeholders naming the tool and the seq, the newest three are whole.
    const last = toolResultTexts(requests[requests.length - 1].body);
    expect(last).toHaveLength(FILES);
    expect(last.slice(-3)).toEqual(contents.slice(-3));
    const finalMark = batches[batches.length - 1].cleared_through_seq;
    results.forEach((result, index) => {
      if (result.seq <= finalMark) {
        expect(last[index]).toBe(
          `[tool result cleared to save context: read_file (event ${result.seq}); call the tool again if you need it]`,
        );
      } else expect(last[index]).toBe(contents[index]);
    });

    // Between batches the prompt prefix stays put, so most input still comes from the cache.
    expect(snapshot.usage.cache_read_input_tokens).toBeGreaterThan(snapshot.usage.input_tokens);
  });
});
