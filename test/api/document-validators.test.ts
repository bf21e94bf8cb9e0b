/**
 * The pure checks of a document's content (src/api/sessions/message-documents.ts): what a base64 PDF and a plain
 * text source must be, and the token estimate each is given.
 */
import { base64Pdf, checkedContent, MAX_DOCUMENT_BYTES, plainText } from '../../src/api/sessions/message-documents';
import { estimateTokens, PDF_BYTES_PER_UNSEEN_PAGE, PDF_PAGE_TOKENS } from '../../src/domain/token-estimate';

const pdf = (pages: number) =>
  Buffer.from(
    `%PDF-1.7\n${Array.from({ length: pages }, (_, index) => `${index + 3} 0 obj << /Type /Page >> endobj\n`).join('')}` +
      '2 0 obj << /Type /Pages /Count 1 >> endobj\n%%EOF\n',
    'latin1',
  );
const source = (media_type: string, data: string) => ({ type: 'base64' as const, media_type, data });

describe('base64Pdf', () => {
  it('takes a PDF and estimates it by its page objects, not counting the page tree', () => {
    const checked = base64Pdf(source('application/pdf', pdf(3).toString('base64')), 'doc.source');
    expect(checked.upload).toEqual({ media_type: 'application/pdf', bytes: pdf(3) });
    expect(checked.estimated_tokens).toBe(3 * PDF_PAGE_TOKENS);
  });

  it('estimates a PDF whose pages it cannot see by its size', () => {
    const packed = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(PDF_BYTES_PER_UNSEEN_PAGE * 2, 0x41)]);
    expect(base64Pdf(source('application/pdf', packed.toString('base64')), 's').estimated_tokens).toBe(
      3 * PDF_PAGE_TOKENS,
    );
  });

  it('refuses another media type, bytes without the %PDF- signature, data that is not base64', () => {
    const data = pdf(1).toString('base64');
    expect(() => base64Pdf(source('text/plain', data), 'doc.source')).toThrow(
      /^doc\.source\.media_type: text\/plain is not a base64 document type/,
    );
    expect(() => base64Pdf(source('application/pdf', Buffer.from('%PDF').toString('base64')), 'doc.source')).toThrow(
      'doc.source.data: the bytes are not a PDF',
    );
    expect(() => base64Pdf(source('application/pdf', 'JVBERi0*'), 'doc.source')).toThrow('doc.source.data: not base64');
  });

  it('refuses a PDF over the limit before decoding it', () => {
    const data = 'A'.repeat(Math.ceil((MAX_DOCUMENT_BYTES + 3) / 3) * 4);
    expect(() => base64Pdf(source('application/pdf', data), 'doc.source')).toThrow(
      `doc.source.data: the document is larger than ${MAX_DOCUMENT_BYTES} bytes`,
    );
  });
});

describe('plainText and checkedContent', () => {
  it('estimates text as text', () => {
    const text = 'notes: ' + 'é'.repeat(100);
    const checked = plainText({ type: 'text', media_type: 'text/plain', data: text }, 'doc.source');
    expect(checked).toEqual({
      upload: { media_type: 'text/plain', bytes: Buffer.from(text, 'utf8') },
      estimated_tokens: estimateTokens(text),
    });
  });

  it('refuses text over the limit, an empty document, and a text file that is not UTF-8', () => {
    expect(() => checkedContent('text/plain', Buffer.alloc(MAX_DOCUMENT_BYTES + 1, 0x61), 'f')).toThrow(
      'f: the document is larger than',
    );
    expect(() => checkedContent('application/pdf', Buffer.alloc(0), 'f')).toThrow('f: the document is empty');
    expect(() => checkedContent('text/plain', Buffer.from([0x61, 0xff, 0xfe]), 'f')).toThrow(
      'f: a text/plain document must be UTF-8 text',
    );
  });
});
