/** What the session's `user.message` Update and signal take as content (the Temporal CLI's way in too). */
import { UserMessageSchema } from '../../src/domain/session-input';

const document = { type: 'document', source: { type: 'file', file_id: 'file_pdf' }, estimated_tokens: 3000 };

test('takes a file-sourced document with its estimate, title and context', () => {
  const content = [
    { ...document, title: 'Report', context: 'q3' },
    { type: 'text', text: 'read it' },
  ];
  expect(UserMessageSchema.parse({ content })).toEqual({ content });
});

test('refuses a document without its estimate, with its bytes inline, or with fields the block does not have', () => {
  const { estimated_tokens: _estimate, ...unestimated } = document;
  const inline = { ...document, source: { type: 'text', media_type: 'text/plain', data: 'x' } };
  for (const block of [unestimated, inline, { ...document, citations: { enabled: true } }]) {
    expect(UserMessageSchema.safeParse({ content: [block] }).success).toBe(false);
  }
});
