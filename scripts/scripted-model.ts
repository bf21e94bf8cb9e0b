/**
 * Runs the scripted model as a standalone server, for the offline demo and manual runs:
 *
 *   npm run scripted-model -- --scenario FILE [--port N] [--host H] [--quiet]
 *
 * Prints the URL it listens on (the only line on stdout, so scripts can read it) and logs each request to
 * stderr. Point the agent at it with ANTHROPIC_BASE_URL=<url>. Stops cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startScriptedModel } from '../src/scripted-model/server';

const USAGE = 'usage: npm run scripted-model -- --scenario FILE [--port N] [--host H] [--quiet]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  if (!values.scenario) throw new Error(`--scenario is required\n${USAGE}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0–65535, got ${values.port}`);

  const model = await startScriptedModel({
    scenario: values.scenario,
    port,
    host: values.host,
    log: values.quiet ? undefined : (line) => process.stderr.write(`scripted model: ${line}\n`),
  });
  console.log(model.url);
  process.stderr.write(
    `scripted model: serving ${values.scenario} (ANTHROPIC_BASE_URL=${model.url}); Ctrl-C to stop\n`,
  );

  const stop = async (signal: NodeJS.Signals) => {
    process.stderr.write(`scripted model: ${signal}, ${model.requests.length} requests received, stopping\n`);
    await model.close();
    process.exit(0);
  };
  process.once('SIGINT', (signal) => void stop(signal));
  process.once('SIGTERM', (signal) => void stop(signal));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
