/**
 * Where `npm run server` listens: `--port N` / `--host H`, else LUCID_HTTP_PORT / LUCID_HTTP_HOST; and how long
 * the custom tool calls of the sessions it starts wait for their results (LUCID_CUSTOM_TOOL_WAIT_SECONDS).
 */
import { parseArgs } from 'node:util';
import { MAX_KEEP_ALIVE_SECONDS } from '../domain/session-input';

export const DEFAULT_HTTP_PORT = 4080;
/** Loopback by default: exposing the API is a choice to make with `--host 0.0.0.0`. */
export const DEFAULT_HTTP_HOST = '127.0.0.1';

export interface ServerSettings {
  port: number;
  host: string;
  /** The `custom_tool_wait_seconds` of API sessions; absent: the session default (docs/tools.md, Custom tools). */
  customToolWaitSeconds?: number;
}

export function serverSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerSettings {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
  });
  const portText = values.port ?? env.LUCID_HTTP_PORT ?? String(DEFAULT_HTTP_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`the port must be 0–65535, got ${portText}`);
  const host = values.host ?? env.LUCID_HTTP_HOST ?? DEFAULT_HTTP_HOST;
  const waitText = env.LUCID_CUSTOM_TOOL_WAIT_SECONDS;
  if (waitText === undefined || waitText === '') return { port, host };
  const wait = Number(waitText);
  if (!/^\d+$/.test(waitText) || wait < 1 || wait > MAX_KEEP_ALIVE_SECONDS) {
    throw new Error(`LUCID_CUSTOM_TOOL_WAIT_SECONDS must be 1–${MAX_KEEP_ALIVE_SECONDS} seconds, got ${waitText}`);
  }
  return { port, host, customToolWaitSeconds: wait };
}
