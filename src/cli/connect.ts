/**
 * Connecting the CLI to Temporal. The settings are the worker's (src/connection.ts: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS, profiles), with a short connect timeout: a command typed at a
 * terminal should say "no server" within seconds instead of waiting on the SDK's default.
 */
import { Client, Connection } from '@temporalio/client';
import { LucidClient } from '../client';
import { connectionSettings } from '../connection';
import { unreachableServerError } from './errors';

/** How long the CLI waits for the server to answer before giving up with exit code 3. */
export const CONNECT_TIMEOUT = '3s';

/** An open connection and the clients built on it. */
export interface Connected {
  /** The server address, for messages (never contains credentials). */
  address: string;
  namespace: string;
  temporal: Client;
  lucid: LucidClient;
  close(): Promise<void>;
}

/** The address the CLI will connect to, without connecting (for messages; never throws). */
export function configuredAddress(): string {
  try {
    return connectionSettings().connectionOptions.address;
  } catch {
    return process.env.TEMPORAL_ADDRESS || 'localhost:7233'; // the settings themselves are broken
  }
}

/** Connects or throws the "unreachable server" error (exit code 3). */
export async function connectToTemporal(): Promise<Connected> {
  const { connectionOptions, namespace } = connectionSettings();
  const address = connectionOptions.address;
  let connection: Connection;
  try {
    connection = await Connection.connect({
      ...(connectionOptions as Parameters<typeof Connection.connect>[0]),
      connectTimeout: CONNECT_TIMEOUT,
    });
  } catch (error) {
    throw unreachableServerError(address, firstLine(error));
  }
  const temporal = new Client({ connection, namespace });
  return {
    address,
    namespace,
    temporal,
    lucid: new LucidClient({ client: temporal }),
    close: () => connection.close(),
  };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].replace(/\.$/, '');
}
