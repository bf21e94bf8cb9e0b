/**
 * `npm run server [-- --port N --host H]`: the Managed Agents HTTP API (docs/api.md). It joins Temporal with the
 * worker's settings (src/connection.ts) and reads and writes the worker's storage (PostgreSQL with
 * LUCID_DATABASE_URL, else LUCID_DATA_DIR). API keys come from LUCID_API_KEYS or LUCID_API_KEYS_FILE
 * (src/api/api-keys.ts); it will not start without one.
 * SIGINT and SIGTERM close it: requests in flight finish, then the Temporal connection closes.
 */
import { LucidClient } from '../client';
import { connectClient } from '../connection';
import { openStorage } from '../storage/open-storage';
import { waitForStorage } from '../storage/wait-for-storage';
import { apiKeysFromEnv } from './api-keys';
import { buildApi } from './app';
import { serverSettings } from './server-settings';

async function main(): Promise<void> {
  const settings = serverSettings(process.argv.slice(2));
  const keys = apiKeysFromEnv();
  const storage = openStorage();
  await waitForStorage(storage, { log: (message) => console.error(`lucid server: ${message}`) });
  const temporal = await connectClient();
  const lucid = new LucidClient({ client: temporal, storage });
  const app = buildApi({
    storage,
    keys,
    lucid,
    logger: { level: process.env.LUCID_LOG_LEVEL ?? 'info' },
    customToolWaitSeconds: settings.customToolWaitSeconds,
  });
  const address = await app.listen({ port: settings.port, host: settings.host });
  app.log.info(`Lucid API on ${address}/v1 (${keys.size} API key(s), data in ${storage.location})`);
  const stop = async () => {
    await app.close();
    await temporal.connection.close();
    await storage.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`lucid server: ${(error as Error).message}`);
  process.exit(1);
});
