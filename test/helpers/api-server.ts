/**
 * A real API server for tests: buildApi on a fresh data directory, listening on a loopback port, with the raw
 * HTTP requests it received counted (so a test can tell that the SDK did not retry).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ApiKeys } from '../../src/api/api-keys';
import { buildApi } from '../../src/api/app';
import type { LucidClient } from '../../src/client';
import { openStorage } from '../../src/storage/open-storage';

export const TEST_API_KEY = 'lucid-test-key-0123456789';

export interface TestApiServer {
  baseURL: string;
  dataDir: string;
  app: FastifyInstance;
  /** Requests received so far. */
  requests(): number;
  /** Every file under the data directory, relative, sorted: what a refused request must leave as it was. */
  files(): string[];
  close(): Promise<void>;
}

export interface TestApiServerOptions {
  bodyLimit?: number;
  fileSizeLimit?: number;
  /** Serve this data directory (a session harness's, whose worker writes it); a fresh one by default. */
  dataDir?: string;
  streamHeartbeatMs?: number;
  /** A client of a test worker (test/helpers/session.ts): the server shares its storage and Temporal. */
  lucid?: LucidClient;
  customToolWaitSeconds?: number;
}

export async function startTestApiServer(options: TestApiServerOptions = {}): Promise<TestApiServer> {
  const ownDir = options.dataDir === undefined && options.lucid === undefined;
  const dataDir =
    options.dataDir ?? options.lucid?.storage.location ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lucid-api-'));
  const app = buildApi({
    storage: options.lucid && options.dataDir === undefined ? options.lucid.storage : openStorage({ dataDir }),
    keys: new ApiKeys([TEST_API_KEY, 'a-second-key']),
    lucid: options.lucid,
    bodyLimit: options.bodyLimit,
    fileSizeLimit: options.fileSizeLimit,
    streamHeartbeatMs: options.streamHeartbeatMs,
    customToolWaitSeconds: options.customToolWaitSeconds,
  });
  let count = 0;
  app.server.on('request', () => count++);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    dataDir,
    app,
    requests: () => count,
    files: () => listFiles(dataDir),
    close: async () => {
      await app.close();
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function listFiles(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((name) => fs.statSync(path.join(root, name)).isFile())
    .sort();
}
