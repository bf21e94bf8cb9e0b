/**
 * Documents in user messages, driven by the official SDK against a real server and a real worker (the scripted
 * model records what it is sent): a base64 PDF, a plain text document and uploaded files reach the model as
 * document blocks with their content, while the events and the workflow's history carry only a file id; a bad
 * document refuses its whole batch.
 */
import Anthropic, { toFile } from '@anthropic-ai/sdk';
import type {
  BetaManagedAgentsEventParams,
  BetaManagedAgentsUserMessageEventParams,
} from '@anthropic-ai/sdk/resources/beta/sessions/events';
import { MAX_DOCUMENT_BYTES } from '../../src/api/sessions/message-documents';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

/** A two-page PDF, as small as one gets: what Lucid checks is its signature and its page objects. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' +
    '2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj\n' +
    '3 0 obj << /Type /Page /Parent 2 0 R >> endobj\n4 0 obj << /Type /Page /Parent 2 0 R >> endobj\n' +
    'trailer << /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);
const PDF_BASE64 = PDF.toString('base64');

let harness: SessionHarness;
let server: TestApiServer;
let client: Anthropic;

beforeAll(async () => {
  harness = await startSessionHarness({
    rules: [{ match: {}, reply: { content: [{ type: 'text', text: 'Read.' }] } }],
  });
  server = await startTestApiServer({ lucid: harness.lucid });
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

async function newSession(initial_events?: BetaManagedAgentsUserMessageEventParams[]) {
  const agent = await client.beta.agents.create({ name: 'reader', model: 'scripted-small' });
  const environment = await client.beta.environments.create({ name: 'local' });
  return client.beta.sessions.create({
    agent: agent.id,
    environment_id: environment.id,
    ...(initial_events ? { initial_events } : {}),
  });
}

async function agentReplies(sessionId: string, count: number): Promise<void> {
  await waitFor(async () => {
    const page = await client.beta.sessions.events.list(sessionId, { types: ['agent.message'] });
    const session = await client.beta.sessions.retrieve(sessionId);
    return page.data.length >= count && session.status === 'idle';
  }, `session ${sessionId} to answer ${count} message(s)`);
}

/** The user blocks of the newest model request that mentions `marker`. */
function userBlocksSent(marker: string): Array<Record<string, unknown>> {
  const request = [...harness.model.requests]
    .reverse()
    .find((recorded) => JSON.stringify(recorded.body).includes(marker));
  if (!request) throw new Error(`no model request mentions ${marker}`);
  const messages = request.body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
  return messages.filter((message) => message.role === 'user').flatMap((message) => message.content);
}

/** The workflow's history with every payload decoded: what the history holds, as text. */
async function historyText(sessionId: string): Promise<string> {
  const history = await harness.temporal.client.workflow.getHandle(sessionId).fetchHistory();
  const json = JSON.stringify(history.events);
  const payloads = [...json.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map(([, data]) =>
    Buffer.from(data, 'base64').toString('utf8'),
  );
  return [json, ...payloads].join('\n');
}

function fileIdOf(block: unknown): string {
  const source = (block as { source?: { type?: string; file_id?: string } }).source;
  if (source?.type !== 'file' || !source.file_id) throw new Error(`not a file-sourced block: ${JSON.stringify(block)}`);
  return source.file_id;
}

test('a base64 PDF and a text document reach the model as document blocks; events and history carry file ids', async () => {
  const session = await newSession();
  const notes = 'TEXT-DOC-BODY: the plain text of the notes';
  const sent = await client.beta.sessions.events.send(session.id, {
    events: [
      {
        type: 'user.message',
        content: [
          { type: 'text', text: 'summarise PDF-AND-TEXT' },
          {
            type: 'document',
            source: { type: 'base64', media_type: 'application/pdf', data: PDF_BASE64 },
            title: 'Report',
            context: 'from the finance team',
          },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: notes }, title: 'Notes' },
        ],
      },
    ],
  });
  const [event] = sent.data ?? [];
  if (event.type !== 'user.message') throw new Error(`sent ${event.type}`);
  expect(event.content).toEqual([
    { type: 'text', text: 'summarise PDF-AND-TEXT' },
    {
      type: 'document',
      source: { type: 'file', file_id: expect.stringMatching(/^file_/) },
      title: 'Report',
      context: 'from the finance team',
    },
    { type: 'document', source: { type: 'file', file_id: expect.stringMatching(/^file_/) }, title: 'Notes' },
  ]);
  const [pdfId, textId] = [fileIdOf(event.content[1]), fileIdOf(event.content[2])];
  expect(await client.beta.files.retrieveMetadata(pdfId)).toMatchObject({
    mime_type: 'application/pdf',
    size_bytes: PDF.length,
  });
  expect(await client.beta.files.retrieveMetadata(textId)).toMatchObject({
    mime_type: 'text/plain',
    size_bytes: Buffer.byteLength(notes),
  });

  await agentReplies(session.id, 1);
  expect(userBlocksSent('PDF-AND-TEXT')).toEqual([
    { type: 'text', text: 'summarise PDF-AND-TEXT' },
    {
      type: 'document',
      source: { type: 'base64', media_type: 'application/pdf', data: PDF_BASE64 },
      title: 'Report',
      context: 'from the finance team',
    },
    // The last block of the turn carries the prompt cache breakpoint, as any last block does.
    expect.objectContaining({
      type: 'document',
      source: { type: 'text', media_type: 'text/plain', data: notes },
      title: 'Notes',
    }),
  ]);
  const history = await historyText(session.id);
  expect(history).toContain(pdfId);
  expect(history).not.toContain(PDF_BASE64);
  expect(history).not.toContain('TEXT-DOC-BODY');
});

test('uploaded PDF and text files, sent by id in initial_events, reach the model; events list the file sources', async () => {
  const pdf = await client.beta.files.upload({ file: await toFile(PDF, 'paper.pdf', { type: 'application/pdf' }) });
  const text = await client.beta.files.upload({
    file: await toFile(Buffer.from('UPLOADED-NOTES in a file'), 'notes.txt', { type: 'text/plain; charset=utf-8' }),
  });
  const session = await newSession([
    {
      type: 'user.message',
      content: [
        { type: 'document', source: { type: 'file', file_id: pdf.id } },
        { type: 'document', source: { type: 'file', file_id: text.id }, title: 'Notes', context: null },
        { type: 'text', text: 'compare FILE-DOCUMENTS' },
      ],
    },
  ]);
  await agentReplies(session.id, 1);
  expect(userBlocksSent('FILE-DOCUMENTS')).toEqual([
    { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF_BASE64 } },
    {
      type: 'document',
      source: { type: 'text', media_type: 'text/plain', data: 'UPLOADED-NOTES in a file' },
      title: 'Notes',
    },
    expect.objectContaining({ type: 'text', text: 'compare FILE-DOCUMENTS' }),
  ]);
  const events = await client.beta.sessions.events.list(session.id, { types: ['user.message'] });
  expect(events.data[0]).toMatchObject({
    content: [
      { type: 'document', source: { type: 'file', file_id: pdf.id } },
      { type: 'document', source: { type: 'file', file_id: text.id }, title: 'Notes' },
      { type: 'text', text: 'compare FILE-DOCUMENTS' },
    ],
  });
  // Lucid's context estimate stays Lucid's: the API's events show the block as the SDK types it.
  expect(JSON.stringify(events.data)).not.toContain('estimated_tokens');
});

test('a document whose file is deleted after it was sent reaches the next model request as a note', async () => {
  const notes = await client.beta.files.upload({
    file: await toFile(Buffer.from('SOON-GONE notes'), 'gone.txt', { type: 'text/plain' }),
  });
  const session = await newSession([
    {
      type: 'user.message',
      content: [
        { type: 'text', text: 'keep GONE-DOCUMENT in mind' },
        { type: 'document', source: { type: 'file', file_id: notes.id } },
      ],
    },
  ]);
  await agentReplies(session.id, 1);
  await client.beta.files.delete(notes.id);
  await client.beta.sessions.events.send(session.id, {
    events: [{ type: 'user.message', content: [{ type: 'text', text: 'and now AFTER-DELETE?' }] }],
  });
  await agentReplies(session.id, 2);
  expect(userBlocksSent('AFTER-DELETE')).toContainEqual({
    type: 'text',
    text: `[document ${notes.id} was sent here, but its file is no longer available (deleted or expired)]`,
  });
});

test('a bad document refuses the whole batch with a 400 naming the field, and nothing is applied or stored', async () => {
  const session = await newSession();
  const notPdf = await client.beta.files.upload({
    file: await toFile(Buffer.from('plain words'), 'fake.pdf', { type: 'application/pdf' }),
  });
  const png = await client.beta.files.upload({
    file: await toFile(Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'a.png', { type: 'image/png' }),
  });
  const huge = Buffer.concat([PDF, Buffer.alloc(MAX_DOCUMENT_BYTES)]);
  const hugeFile = await client.beta.files.upload({
    file: await toFile(huge, 'huge.pdf', { type: 'application/pdf' }),
  });
  const document = (source: unknown, extra: Record<string, unknown> = {}) => ({ type: 'document', source, ...extra });
  const base64 = (media_type: string, data: string) => document({ type: 'base64', media_type, data });
  const at = 'events.1.content.1';
  const cases: Array<[unknown, string]> = [
    [
      base64('application/pdf', Buffer.from('not a pdf at all').toString('base64')),
      `${at}.source.data: the bytes are not a PDF`,
    ],
    [base64('text/plain', PDF_BASE64), `${at}.source.media_type: text/plain is not a base64 document type`],
    [base64('application/pdf', 'not base64!'), `${at}.source.data: not base64`],
    [
      document({ type: 'text', media_type: 'text/html', data: '<p>x</p>' }),
      `${at}.source: media_type: Invalid input: expected`,
    ],
    [document({ type: 'file', file_id: 'file_nowhere1' }), `${at}.source.file_id: no file file_nowhere1`],
    [
      document({ type: 'file', file_id: notPdf.id }),
      `${at}.source.file_id (file ${notPdf.id}): the bytes are not a PDF`,
    ],
    [document({ type: 'file', file_id: png.id }), `(file ${png.id}): image/png is not a document type`],
    [document({ type: 'file', file_id: hugeFile.id }), `(file ${hugeFile.id}): the document is larger than`],
    [document({ type: 'url', url: 'https://example.com/a.pdf' }), `${at}.source: url document sources are not`],
    [
      document({ type: 'text', media_type: 'text/plain', data: 'x' }, { citations: { enabled: true } }),
      `${at}: (input): Unrecognized key`,
    ],
  ];
  const before = { files: server.files(), events: (await client.beta.sessions.events.list(session.id)).data };
  for (const [block, message] of cases) {
    const good = {
      type: 'user.message' as const,
      content: [
        {
          type: 'document' as const,
          source: { type: 'base64' as const, media_type: 'application/pdf', data: PDF_BASE64 },
        },
      ],
    };
    const bad = {
      type: 'user.message',
      content: [{ type: 'text', text: 'and this' }, block],
    } as BetaManagedAgentsEventParams;
    await expect(client.beta.sessions.events.send(session.id, { events: [good, bad] })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining(message),
    });
  }
  expect(server.files()).toEqual(before.files);
  expect((await client.beta.sessions.events.list(session.id)).data).toEqual(before.events);
});
