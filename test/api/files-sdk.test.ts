/**
 * Files driven by the official SDK, unchanged, against a real server on a loopback port: upload (multipart as
 * the SDK encodes it) → metadata → download byte for byte → list with paging → delete → 404; and uploads that
 * are refused (too large, not multipart, unknown parts, bad names or types) keep nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Anthropic, { toFile } from '@anthropic-ai/sdk';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';

const SIZE_LIMIT = 64 * 1024;

let server: TestApiServer;
let client: Anthropic;

beforeEach(async () => {
  server = await startTestApiServer({ fileSizeLimit: SIZE_LIMIT });
  client = new Anthropic({ baseURL: server.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
});

afterEach(() => server.close());

/** Every byte value, in a shuffled order, plus the sequences a text decoder would mangle. */
function binaryContent(size: number): Buffer {
  return Buffer.concat([Buffer.from([0, 0xff, 0xfe, 0x0d, 0x0a, 0x1a, 0xc3, 0x28]), randomBytes(size - 8)]);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('a binary upload comes back byte for byte, with its metadata, until it is deleted', async () => {
  const bytes = binaryContent(SIZE_LIMIT);
  const uploaded = await client.beta.files.upload({
    file: await toFile(bytes, 'dir/data.bin', { type: 'application/octet-stream' }),
  });
  expect(uploaded).toEqual({
    type: 'file',
    id: expect.stringMatching(/^file_[A-Za-z0-9]{24}$/),
    filename: 'data.bin',
    mime_type: 'application/octet-stream',
    size_bytes: bytes.length,
    created_at: expect.any(String),
    expires_at: null,
    downloadable: true,
    scope: null,
  });
  expect(await client.beta.files.retrieveMetadata(uploaded.id)).toEqual(uploaded);

  const download = await client.beta.files.download(uploaded.id);
  expect(download.headers.get('content-type')).toBe('application/octet-stream');
  const downloaded = Buffer.from(await download.arrayBuffer());
  expect(downloaded.equals(bytes)).toBe(true);

  const stored = fs.readFileSync(path.join(server.dataDir, 'files', uploaded.id, 'metadata.json'), 'utf8');
  expect(JSON.parse(stored)).toMatchObject({ sha256: sha256(bytes), size_bytes: bytes.length });

  expect(await client.beta.files.delete(uploaded.id)).toEqual({ id: uploaded.id, type: 'file_deleted' });
  await expect(client.beta.files.retrieveMetadata(uploaded.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  await expect(client.beta.files.download(uploaded.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  await expect(client.beta.files.delete(uploaded.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  expect(server.files()).toEqual([]);
});

test('a text upload keeps its media type, an unnamed one is named for it, and an expiry is kept', async () => {
  const notes = await client.beta.files.upload({
    file: await toFile(Buffer.from('# Rubric\n- cites sources\n'), 'rubric.md', { type: 'text/markdown' }),
    expires_in_seconds: 3600,
  });
  expect(notes).toMatchObject({ filename: 'rubric.md', mime_type: 'text/markdown', size_bytes: 25 });
  expect(Date.parse(notes.expires_at!) - Date.parse(notes.created_at)).toBe(3600 * 1000);
  expect(await (await client.beta.files.download(notes.id)).text()).toBe('# Rubric\n- cites sources\n');

  const unnamed = await client.beta.files.upload({
    file: await toFile(Buffer.from('{}'), '', { type: 'application/json' }),
  });
  expect(unnamed.filename).toBe('unnamed.json');
  const climbing = await client.beta.files.upload({ file: await toFile(Buffer.from('x'), '../..') });
  expect(climbing.filename).toBe('unnamed');
});

test('list pages through files newest first, and ids[] picks some on one page', async () => {
  const ids: string[] = [];
  for (const name of ['f1', 'f2', 'f3', 'f4', 'f5']) {
    ids.push((await client.beta.files.upload({ file: await toFile(Buffer.from(name), `${name}.txt`) })).id);
  }
  const first = await client.beta.files.list({ limit: 2 });
  expect(first.data.map((file) => file.filename)).toEqual(['f5.txt', 'f4.txt']);
  expect(first.next_page).toEqual(expect.any(String));

  const seen: string[] = [];
  for await (const file of client.beta.files.list({ limit: 2 })) seen.push(file.filename);
  expect(seen).toEqual(['f5.txt', 'f4.txt', 'f3.txt', 'f2.txt', 'f1.txt']);

  await client.beta.files.delete(ids[1]);
  const picked = await client.beta.files.list({ ids: [ids[0], ids[1], ids[3]] });
  expect(picked.data.map((file) => file.filename)).toEqual(['f4.txt', 'f1.txt']);
  expect(picked.next_page).toBeNull();
  expect((await client.beta.files.list({ scope_id: 'sesn_x' })).data).toEqual([]);
});

test('an upload over the size limit is a 413 and keeps nothing', async () => {
  const refused = client.beta.files.upload({ file: await toFile(binaryContent(SIZE_LIMIT + 1), 'big.bin') });
  await expect(refused).rejects.toMatchObject({ status: 413, error: { error: { type: 'request_too_large' } } });
  const huge = client.beta.files.upload({ file: await toFile(binaryContent(SIZE_LIMIT * 16), 'huge.bin') });
  await expect(huge).rejects.toMatchObject({ status: 413 });
  expect(server.files()).toEqual([]);
  expect((await client.beta.files.list()).data).toEqual([]);
});

test('bad uploads are 400s naming what is wrong, and keep nothing', async () => {
  const file = () => toFile(Buffer.from('x'), 'x.txt', { type: 'text/plain' });
  const refusals: [() => Promise<unknown>, RegExp][] = [
    [async () => client.beta.files.upload({ file: await file(), expires_in_seconds: 60 }), /expires_in_seconds/],
    [async () => client.beta.files.upload({ file: await file(), purpose: 'x' } as never), /purpose/],
    [
      async () => client.beta.files.upload({ file: await toFile(Buffer.from('x'), 'x', { type: 'not a type' }) }),
      /media type/,
    ],
    [() => client.post('/v1/files', { body: { file: 'x' } }), /multipart\/form-data/],
  ];
  for (const [request, message] of refusals) {
    const refused = request();
    await expect(refused).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(refused).rejects.toMatchObject({ error: { error: { type: 'invalid_request_error', message } } });
  }
  const control = await rawUpload('a\u0001b.txt');
  expect(control.status).toBe(400);
  expect(((await control.json()) as { error: { message: string } }).error.message).toMatch(/control character/);
  const form = new FormData();
  form.append('file', new Blob([Buffer.from('a')]), 'a.txt');
  form.append('file', new Blob([Buffer.from('b')]), 'b.txt');
  const two = await fetch(`${server.baseURL}/v1/files`, {
    method: 'POST',
    body: form,
    headers: { authorization: `Bearer ${TEST_API_KEY}` },
  });
  expect(two.status).toBe(400);
  const text = await fetch(`${server.baseURL}/v1/files`, {
    method: 'POST',
    body: 'hello',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'text/plain' },
  });
  expect(text.status).toBe(400);
  expect(((await text.json()) as { error: { message: string } }).error.message).toMatch(/multipart/);
  expect(server.files()).toEqual([]);
});

/** A multipart body written out by hand, to send a filename no FormData would. */
function rawUpload(filename: string): Promise<Response> {
  const boundary = 'lucid-test-boundary';
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: text/plain\r\n\r\nx\r\n--${boundary}--\r\n`,
    'latin1',
  );
  return fetch(`${server.baseURL}/v1/files`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
}

test('ids that are not file ids are refused; unknown ones are 404s', async () => {
  await expect(client.beta.files.retrieveMetadata('env_abc')).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  await expect(client.beta.files.retrieveMetadata('file_unknown')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  await expect(client.beta.files.download('file_unknown')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
});
