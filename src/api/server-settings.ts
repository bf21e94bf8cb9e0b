/** Where `npm run server` listens: `--port N` / `--host H`, else LUCID_HTTP_PORT / LUCID_HTTP_HOST. */
import { parseArgs } from 'node:util';

export const DEFAULT_HTTP_PORT = 4080;
/** Loopback by default: exposing the API is a choice to make with `--host 0.0.0.0`. */
export const DEFAULT_HTTP_HOST = '127.0.0.1';

export interface ServerSettings {
  port: number;
  host: string;
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
  return { port, host: values.host ?? env.LUCID_HTTP_HOST ?? DEFAULT_HTTP_HOST };
}
