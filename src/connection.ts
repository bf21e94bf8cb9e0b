import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnection } from '@temporalio/worker';

/**
 * Connection settings follow the @temporalio/envconfig conventions: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE and the CLI's temporal.toml; so the same worker and CLI join
 * a local dev server, a self-hosted cluster or Temporal Cloud without code changes.
 */
export function connectionSettings() {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? 'localhost:7233' },
    namespace: namespace ?? 'default',
  };
}

export async function connectClient(): Promise<Client> {
  const { connectionOptions, namespace } = connectionSettings();
  const connection = await Connection.connect(connectionOptions as Parameters<typeof Connection.connect>[0]);
  return new Client({ connection, namespace });
}

export async function connectWorker(): Promise<{ connection: NativeConnection; namespace: string }> {
  const { connectionOptions, namespace } = connectionSettings();
  // Loaded here, not at the top: the worker package (native bridge, bundler) costs every CLI command half a second.
  const { NativeConnection } = await import('@temporalio/worker');
  return { connection: await NativeConnection.connect(connectionOptions), namespace };
}
