/**
 * Raw HTTP against a real server on a loopback port: authentication and malformed input each get the API's
 * error body, a request-id header, and leave the data directory as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startTestApiServer, TEST_API_KEY, type TestApiServer } from '../helpers/api-server';

let server: TestApiServer;

beforeEach(async () => {
  server = await startTestApiServer();
});

afterEach(() => server.close());

const AGENT = { name: 'scribe', model: 'claude-sonnet-4-5' };
const JSON_HEADERS = { 'content-type': 'application/json', 'anthropic-version': '2026-10-21' };

function post(path: string, body: string, headers: Record<string, string>) {
  return fetch(`${server.baseURL}${path}`, { method: 'POST', body, headers: { ...JSON_HEADERS, ...headers } });
}

const bearer = { authorization: `Bearer ${TEST_API_KEY}` };

/** The response is the API's error of `type` with `status`, and its body names the request-id header's id. */
async function expectApiError(response: Response, status: number, type: string): Promise<string> {
  expect(response.status).toBe(status);
  const requestId = response.headers.get('request-id');
  expect(requestId).toMatch(/^req_[A-Za-z0-9]+$/);
  const body = (await response.json()) as {
    type: string;
    error: { type: string; message: string };
    request_id: string;
  };
  expect(body).toEqual({ type: 'error', error: { type, message: expect.any(String) }, request_id: requestId });
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.message;
}

test('a request without a key, or with a wrong one, is a 401 and stores nothing', async () => {
  await expectApiError(await post('/v1/agents', JSON.stringify(AGENT), {}), 401, 'authentication_error');
  await expectApiError(
    await post('/v1/agents', JSON.stringify(AGENT), { authorization: 'Bearer wrong' }),
    401,
    'authentication_error',
  );
  await expectApiError(
    await post('/v1/agents', JSON.stringify(AGENT), { 'x-api-key': 'wrong' }),
    401,
    'authentication_error',
  );
  await expectApiError(await fetch(`${server.baseURL}/v1/agents`), 401, 'authentication_error');
  expect(server.files()).toEqual([]);
});

test('the key is accepted as x-api-key and as a Bearer token, and every answer has a request-id', async () => {
  const viaHeader = await post('/v1/agents', JSON.stringify(AGENT), { 'x-api-key': TEST_API_KEY });
  expect(viaHeader.status).toBe(200);
  const viaBearer = await post('/v1/agents', JSON.stringify(AGENT), {
    authorization: 'Bearer a-second-key',
    'anthropic-beta': 'managed-agents-2026-04-01',
  });
  expect(viaBearer.status).toBe(200);
  expect(viaBearer.headers.get('request-id')).toMatch(/^req_/);
  expect(viaBearer.headers.get('request-id')).not.toBe(viaHeader.headers.get('request-id'));
  const list = await fetch(`${server.baseURL}/v1/agents`, { headers: bearer });
  expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(2);
});

test('malformed requests are 400s, an oversized body is a 413, and none of them stores anything', async () => {
  const cases: [() => Promise<Response>, number, string, RegExp][] = [
    [
      () => post('/v1/agents', JSON.stringify(AGENT), { ...bearer, 'content-type': 'text/plain' }),
      400,
      'invalid_request_error',
      /JSON/,
    ],
    [() => post('/v1/agents', '{"name": "scribe",', bearer), 400, 'invalid_request_error', /not valid JSON/],
    [
      () => post('/v1/agents', JSON.stringify({ ...AGENT, colour: 'blue' }), bearer),
      400,
      'invalid_request_error',
      /colour/,
    ],
    [() => post('/v1/agents', JSON.stringify({ name: 'scribe' }), bearer), 400, 'invalid_request_error', /model/],
    [
      () => post('/v1/agents', JSON.stringify({ ...AGENT, system: 'x'.repeat(5 * 1024 * 1024) }), bearer),
      413,
      'request_too_large',
      /larger/,
    ],
    [() => fetch(`${server.baseURL}/v1/agents?limit=0`, { headers: bearer }), 400, 'invalid_request_error', /limit/],
    [
      () => fetch(`${server.baseURL}/v1/agents?page=garbage`, { headers: bearer }),
      400,
      'invalid_request_error',
      /page/,
    ],
    [() => fetch(`${server.baseURL}/v1/agents?color=red`, { headers: bearer }), 400, 'invalid_request_error', /color/],
  ];
  for (const [response, status, type, message] of cases) {
    expect(await expectApiError(await response(), status, type)).toMatch(message);
  }
  expect(server.files()).toEqual([]);
});

test('an id that is not an agent id is a 400, an unknown one a 404, and an unknown route a 404', async () => {
  const get = (path: string) => fetch(`${server.baseURL}${path}`, { headers: bearer });
  expect(await expectApiError(await get('/v1/agents/not-an-id'), 400, 'invalid_request_error')).toMatch(/agent id/);
  expect(await expectApiError(await get('/v1/agents/..%2F..%2Fetc'), 400, 'invalid_request_error')).toMatch(/agent id/);
  await expectApiError(await get('/v1/agents/agent_4Fq9LmX2bR7kVt3PzWc8Nd6Y'), 404, 'not_found_error');
  await expectApiError(await post('/v1/agents/agent_4Fq9LmX2bR7kVt3PzWc8Nd6Y', '{}', bearer), 404, 'not_found_error');
  await expectApiError(await get('/v1/widgets'), 404, 'not_found_error');
  expect(server.files()).toEqual([]);
});

test('a stale version is a 409 conflict_error that says not to retry', async () => {
  const created = (await (await post('/v1/agents', JSON.stringify(AGENT), bearer)).json()) as { id: string };
  const stale = await post(`/v1/agents/${created.id}`, JSON.stringify({ version: 7, system: 'x' }), bearer);
  expect(stale.headers.get('x-should-retry')).toBe('false');
  await expectApiError(stale, 409, 'conflict_error');
  const files = server.files();
  expect(files).toHaveLength(1); // version 1 only
});

test('an agent whose stored record is broken is a 500 api_error that names no file and says not to retry', async () => {
  const created = (await (await post('/v1/agents', JSON.stringify(AGENT), bearer)).json()) as { id: string };
  const file = path.join(server.dataDir, server.files()[0]);
  fs.writeFileSync(file, '{"schema_version": 1, "id": 5}');
  const response = await fetch(`${server.baseURL}/v1/agents/${created.id}`, { headers: bearer });
  expect(response.headers.get('x-should-retry')).toBe('false');
  expect(await expectApiError(response, 500, 'api_error')).not.toContain(server.dataDir);
});
