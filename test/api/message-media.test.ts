/**
 * Images in user messages, driven by the official SDK against a real server and a real worker (the scripted model
 * records what it is sent): a base64 image and an uploaded image file reach the model as image blocks with their
 * bytes, while the events and the workflow's history carry only a file id; a bad image refuses its whole batch.
 */
import Anthropic, { toFile } from '@anthropic-ai/sdk';
import type {
  BetaManagedAgentsEventParams,
  BetaManagedAgentsUserMessageEventParams,
} from '@anthropic-ai/sdk/resources/beta/sessions/events';
import { MAX_IMAGE_BYTES } from '../../src/api/sessions/message-content';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';
import { startSessionHarness, type SessionHarness } from '../helpers/session';
import { waitFor } from '../helpers/wait-for';

/** A 1×1 PNG. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const PNG = Buffer.from(PNG_BASE64, 'base64');

let harness: SessionHarness;
let server: TestApiServer;
let client: Anthropic;

beforeAll(async () => {
  harness = await startSessionHarness({
    rules: [{ match: {}, reply: { content: [{ type: 'text', text: 'Seen.' }] } }],
  });
  // A body limit above the largest image, so an oversized base64 image meets the image limit, not the body's.
  server = await startTestApiServer({ lucid: harness.lucid, bodyLimit: 16 * 1024 * 1024 });
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  await harness?.close();
});

async function newSession(initial_events?: BetaManagedAgentsUserMessageEventParams[]) {
  const agent = await client.beta.agents.create({ name: 'viewer', model: 'scripted-small' });
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

test('a base64 image reaches the model with its bytes; the event and the history carry a file id', async () => {
  const session = await newSession();
  const sent = await client.beta.sessions.events.send(session.id, {
    events: [
      {
        type: 'user.message',
        content: [
          { type: 'text', text: 'look at BASE64-PICTURE' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
        ],
      },
    ],
  });
  const [event] = sent.data ?? [];
  if (event.type !== 'user.message') throw new Error(`sent ${event.type}`);
  const image = event.content[1];
  expect(image).toEqual({ type: 'image', source: { type: 'file', file_id: expect.stringMatching(/^file_/) } });
  const fileId = image.type === 'image' && image.source.type === 'file' ? image.source.file_id : '';
  expect(await client.beta.files.retrieveMetadata(fileId)).toMatchObject({
    mime_type: 'image/png',
    size_bytes: PNG.length,
  });

  await agentReplies(session.id, 1);
  expect(userBlocksSent('BASE64-PICTURE')).toEqual([
    { type: 'text', text: 'look at BASE64-PICTURE' },
    expect.objectContaining({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }),
  ]);
  const history = await historyText(session.id);
  expect(history).toContain(fileId);
  expect(history).not.toContain(PNG_BASE64);
});

test('an uploaded image file, sent by id in initial_events, reaches the model as its bytes', async () => {
  const uploaded = await client.beta.files.upload({ file: await toFile(PNG, 'dot.png', { type: 'image/png' }) });
  const session = await newSession([
    {
      type: 'user.message',
      content: [
        { type: 'image', source: { type: 'file', file_id: uploaded.id } },
        { type: 'text', text: 'what is in FILE-PICTURE?' },
      ],
    },
  ]);
  await agentReplies(session.id, 1);
  expect(userBlocksSent('FILE-PICTURE')).toEqual([
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
    expect.objectContaining({ type: 'text', text: 'what is in FILE-PICTURE?' }),
  ]);
  const events = await client.beta.sessions.events.list(session.id, { types: ['user.message'] });
  expect(events.data[0]).toMatchObject({
    content: [{ type: 'image', source: { type: 'file', file_id: uploaded.id } }, {}],
  });
});

test('a bad image refuses the whole batch with a 400, and nothing is applied or stored', async () => {
  const session = await newSession();
  const notPng = await client.beta.files.upload({
    file: await toFile(Buffer.from('hello'), 'a.txt', { type: 'text/plain' }),
  });
  const huge = Buffer.concat([PNG, Buffer.alloc(MAX_IMAGE_BYTES)]);
  const hugeFile = await client.beta.files.upload({ file: await toFile(huge, 'huge.png', { type: 'image/png' }) });
  const base64 = (media_type: string, data: string) => ({
    type: 'image' as const,
    source: { type: 'base64' as const, media_type, data },
  });
  const cases: Array<[unknown, string]> = [
    [base64('image/bmp', PNG_BASE64), 'image/bmp is not an image type'],
    [base64('image/jpeg', PNG_BASE64), 'not a image/jpeg image'],
    [base64('image/png', huge.toString('base64')), `larger than ${MAX_IMAGE_BYTES} bytes`],
    [base64('image/png', 'not base64!'), 'not base64'],
    [{ type: 'image', source: { type: 'file', file_id: 'file_nowhere1' } }, 'no file file_nowhere1'],
    [{ type: 'image', source: { type: 'file', file_id: notPng.id } }, 'text/plain is not an image type'],
    [{ type: 'image', source: { type: 'file', file_id: hugeFile.id } }, `larger than ${MAX_IMAGE_BYTES} bytes`],
    [
      { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
      'url image sources are not supported',
    ],
    [
      { type: 'search_result', source: 'https://example.com', title: 't', content: [] },
      'content blocks are text, image',
    ],
  ];
  const before = { files: server.files(), events: (await client.beta.sessions.events.list(session.id)).data };
  for (const [block, message] of cases) {
    const good = {
      type: 'user.message' as const,
      content: [
        { type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png', data: PNG_BASE64 } },
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
