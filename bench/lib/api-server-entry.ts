/**
 * The API server a benchmark runs as a child process (bench/lib/api-server-process.ts): buildApi on a Temporal
 * client and the worker's storage, as `npm run server` builds it, listening on a free loopback port. It reports
 * its port on stdout once listening and answers `memory` messages on the IPC channel with process.memoryUsage()
 * (optionally after a full GC, for what it still holds), which only the process itself can read.
 */
import type { AddressInfo } from 'node:net';
import { ApiKeys } from '../../src/api/api-keys';
import { buildApi } from '../../src/api/app';
import { LucidClient } from '../../src/client';
import { connectClient } from '../../src/connection';
import { openStorage } from '../../src/storage/open-storage';
import { API_SERVER_READY_PREFIX, type MemoryRequest, type MemoryUsage } from './api-server-process';

async function main(): Promise<void> {
  const storage = openStorage();
  const temporal = await connectClient();
  const lucid = new LucidClient({ client: temporal, storage });
  const app = buildApi({ storage, keys: new ApiKeys([process.env.LUCID_BENCH_API_KEY!]), lucid });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (request: MemoryRequest) => {
    if (request.gc) globalThis.gc?.();
    const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
    const usage: MemoryUsage = { rss, heapUsed, heapTotal, external };
    process.send!(usage);
  });
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => temporal.connection.close())
      .then(() => process.exit(0));
  });
  console.log(`${API_SERVER_READY_PREFIX}${(app.server.address() as AddressInfo).port}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
