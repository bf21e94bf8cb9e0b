import type { SessionEventBody } from '../../src/domain/events';
import { log, text, usage } from '../helpers/event-bodies';
import {
  countInputTokens,
  documentContentTokens,
  estimateTokens,
  IMAGE_BLOCK_TOKENS,
  PDF_PAGE_TOKENS,
} from '../../src/domain/token-estimate';
import { buildTranscript, transcriptTokensOf, withCacheBreakpoints } from '../../src/domain/transcript';

describe('buildTranscript', () => {
  it('groups agent output by model request and puts tool results first in the next user message', () => {
    const messages = buildTranscript(
      log(
        { type: 'user.message', content: text('hi') },
        { type: 'session.status_running' },
        { type: 'span.model_request_start', model: 'm' },
        { type: 'agent.message', content: text('looking') },
        { type: 'user.message', content: text('also this') }, // arrived while the model was answering
        { type: 'agent.tool_use', tool_use_id: 'toolu_1', name: 'read_file', input: { path: 'a' } },
        { type: 'span.model_request_end', model_request_start_id: 'e3', is_error: false, model_usage: usage },
        { type: 'agent.tool_result', tool_use_id: 'toolu_1', content: text('A'), is_error: false },
      ),
    );
    expect(messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'looking' },
          { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'a' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'A' }], is_error: false },
          { type: 'text', text: 'also this' },
        ],
      },
    ]);
  });

  it('leaves failed requests out and merges the user messages around them', () => {
    const messages = buildTranscript(
      log(
        { type: 'user.message', content: text('one') },
        { type: 'span.model_request_start', model: 'm' },
        { type: 'span.model_request_end', model_request_start_id: 'e2', is_error: true, model_usage: usage },
        { type: 'user.message', content: text('two') },
      ),
    );
    expect(messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
    ]);
  });
});

describe('images in user messages', () => {
  const image = { type: 'image' as const, source: { type: 'file' as const, file_id: 'file_abc' } };

  it('keeps an image as a file-sourced block, in its place among the text', () => {
    const messages = buildTranscript(log({ type: 'user.message', content: [...text('see'), image, ...text('and')] }));
    expect(messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'see' },
          { type: 'image', source: { type: 'file', file_id: 'file_abc' } },
          { type: 'text', text: 'and' },
        ],
      },
    ]);
  });

  it('counts an image as a fixed estimate, whatever its bytes, in the workflow and in a request', () => {
    const [event] = log({ type: 'user.message', content: [image] });
    expect(transcriptTokensOf(event)).toEqual({ tokens: IMAGE_BLOCK_TOKENS, clearable: 0 });
    const photo = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(4_000_000) } };
    const body = { messages: [{ role: 'user', content: [photo] }] };
    expect(countInputTokens(body)).toBe(IMAGE_BLOCK_TOKENS);
  });
});

describe('documents in user messages', () => {
  const pdfBytes = '%PDF-1.4\n3 0 obj << /Type /Page >> endobj\n4 0 obj << /Type/Page >> endobj\n%%EOF';
  const pdf = {
    type: 'document' as const,
    source: { type: 'file' as const, file_id: 'file_pdf' },
    title: 'Report',
    estimated_tokens: documentContentTokens('application/pdf', pdfBytes),
  };

  it("keeps a document as a file-sourced block with its title and context and Lucid's estimate", () => {
    const notes = { ...pdf, source: { type: 'file' as const, file_id: 'file_txt' }, context: 'c', estimated_tokens: 7 };
    const { title: _title, ...untitled } = notes;
    const messages = buildTranscript(log({ type: 'user.message', content: [pdf, untitled] }));
    expect(messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'document', source: { type: 'file', file_id: 'file_pdf' }, title: 'Report', estimated_tokens: 6_000 },
          { type: 'document', source: { type: 'file', file_id: 'file_txt' }, context: 'c', estimated_tokens: 7 },
        ],
      },
    ]);
  });

  it('counts a PDF by its pages, the same from the recorded estimate as from the bytes the model is sent', () => {
    expect(pdf.estimated_tokens).toBe(2 * PDF_PAGE_TOKENS);
    const [event] = log({ type: 'user.message', content: [pdf] });
    const expected = estimateTokens('Report') + 2 * PDF_PAGE_TOKENS;
    expect(transcriptTokensOf(event)).toEqual({ tokens: expected, clearable: 0 });
    const sent = {
      type: 'document',
      source: {
        type: 'base64',
        media_type: 'application/pdf',
        data: Buffer.from(pdfBytes, 'latin1').toString('base64'),
      },
      title: 'Report',
      cache_control: { type: 'ephemeral' },
    };
    expect(countInputTokens({ messages: [{ role: 'user', content: [sent] }] })).toBe(expected);
  });

  it('counts a text document as its text, in the workflow and in a request', () => {
    const text = 'y'.repeat(10_000);
    const recorded = {
      type: 'document' as const,
      source: { type: 'file' as const, file_id: 'file_txt' },
      context: 'ctx',
      estimated_tokens: documentContentTokens('text/plain', text),
    };
    const [event] = log({ type: 'user.message', content: [recorded] });
    const sent = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: text }, context: 'ctx' };
    expect(transcriptTokensOf(event).tokens).toBe(estimateTokens('ctx') + 2_500);
    expect(countInputTokens({ messages: [{ role: 'user', content: [sent] }] })).toBe(transcriptTokensOf(event).tokens);
  });
});

describe('clearing old tool results in the transcript', () => {
  const big = 'x'.repeat(2_000);
  const rounds = (count: number): SessionEventBody[] =>
    Array.from({ length: count }, (_, index): SessionEventBody[] => [
      { type: 'span.model_request_start', model: 'm' },
      { type: 'agent.tool_use', tool_use_id: `toolu_${index}`, name: index % 2 ? 'grep' : 'read_file', input: {} },
      { type: 'span.model_request_end', model_request_start_id: 'x', is_error: false, model_usage: usage },
      { type: 'agent.tool_result', tool_use_id: `toolu_${index}`, content: text(big), is_error: false },
    ]).flat();
  const events = log({ type: 'user.message', content: text('go') }, ...rounds(3), {
    type: 'agent.tool_result',
    tool_use_id: 'toolu_short',
    content: text('ok'),
    is_error: false,
  });
  const resultTexts = (messages: ReturnType<typeof buildTranscript>) =>
    messages.flatMap((message) =>
      typeof message.content === 'string'
        ? []
        : message.content.flatMap((block) =>
            block.type === 'tool_result' && Array.isArray(block.content)
              ? [block.content.map((part) => (part.type === 'text' ? part.text : '')).join('')]
              : [],
          ),
    );

  it('replaces results at or below the watermark with a placeholder naming the tool and the seq', () => {
    // The results are seqs 5, 9 and 13; clearing through 9 clears the first two.
    expect(resultTexts(buildTranscript(events, { clearedThroughSeq: 9 }))).toEqual([
      '[tool result cleared to save context: read_file (event 5); call the tool again if you need it]',
      '[tool result cleared to save context: grep (event 9); call the tool again if you need it]',
      big,
      'ok',
    ]);
    expect(resultTexts(buildTranscript(events))).toEqual([big, big, big, 'ok']);
  });

  it('leaves a result shorter than its placeholder as it is', () => {
    expect(resultTexts(buildTranscript(events, { clearedThroughSeq: 100 })).pop()).toBe('ok');
  });

  it('gives the same cleared transcript for the same watermark, so the cached prefix holds between batches', () => {
    const before = buildTranscript(events.slice(0, 9), { clearedThroughSeq: 5 });
    const after = buildTranscript(events, { clearedThroughSeq: 5 });
    expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1));
  });

  it('estimates per event what the transcript holds, and what clearing a result saves', () => {
    const whole = countInputTokens({ messages: buildTranscript(events) });
    const cleared = countInputTokens({ messages: buildTranscript(events, { clearedThroughSeq: 9 }) });
    const names = new Map([
      ['toolu_0', 'read_file'],
      ['toolu_1', 'grep'],
    ]);
    const perEvent = events.map((event) =>
      transcriptTokensOf(event, event.type === 'agent.tool_result' ? names.get(event.tool_use_id) : undefined),
    );
    expect(perEvent.reduce((sum, { tokens }) => sum + tokens, 0)).toBe(whole);
    expect(perEvent[4].clearable + perEvent[8].clearable).toBe(whole - cleared);
    expect(perEvent[perEvent.length - 1].clearable).toBe(0);
  });
});

describe('withCacheBreakpoints', () => {
  it('marks the last tool, the system prompt and the newest block', () => {
    const request = withCacheBreakpoints({
      system: 'sys',
      tools: [
        { name: 'a', input_schema: { type: 'object' } },
        { name: 'b', input_schema: { type: 'object' } },
      ],
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(request.tools[0]).not.toHaveProperty('cache_control');
    expect(request.tools[1]).toHaveProperty('cache_control', { type: 'ephemeral' });
    expect(request.system).toEqual([{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }]);
    expect(request.messages[0].content).toEqual([
      { type: 'text', text: 'hello', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('also marks where the previous request ended, and never uses more than four breakpoints', () => {
    const toolUse = (id: string) => ({ type: 'tool_use' as const, id, name: 'read_file', input: { path: id } });
    const toolResult = (id: string) => ({ type: 'tool_result' as const, tool_use_id: id, content: 'text' });
    const wideTurn = Array.from({ length: 12 }, (_, index) => `t${index}`);
    const request = withCacheBreakpoints({
      system: 'sys',
      tools: [{ name: 'read_file', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'start' },
        { role: 'assistant', content: [toolUse('t')] },
        { role: 'user', content: [toolResult('t')] }, // where the previous request's prompt ended
        { role: 'assistant', content: wideTurn.map(toolUse) },
        { role: 'user', content: wideTurn.map(toolResult) },
      ],
    });
    const markedBlocks = request.messages.flatMap((message, index) =>
      typeof message.content === 'string'
        ? []
        : (message.content as Array<{ cache_control?: unknown }>).flatMap((block, blockIndex) =>
            block.cache_control ? [[index, blockIndex]] : [],
          ),
    );
    expect(markedBlocks).toEqual([
      [2, 0],
      [4, 11],
    ]);
    expect(markedBlocks.length + 2).toBeLessThanOrEqual(4); // + the last tool and the system prompt
  });
});
