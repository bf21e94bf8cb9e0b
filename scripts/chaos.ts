/**
 * Fault injection (issue 6): sessions, outcomes, threads and a dream waiting for approval, while the worker is
 * SIGKILLed at random moments, the dev server restarts, and the scripted model fails 20 % of requests with 429,
 * 529, 500, a dropped connection or a 30-second stall. With `--store postgres` every store is a throwaway
 * PostgreSQL, which is crashed (pg_ctl -m immediate) and restarted among the faults. Then it checks and prints:
 * every session finished, event logs without gaps or duplicates, every file write exactly once, nothing left
 * running, the fault counts.
 *
 *   npm run chaos [-- --store filesystem --sessions 50 --outcomes 5 --leads 3 --fault-rate 0.2 --stall-ms 30000
 *                     --worker-kills 5 --server-restarts 1 --postgres-restarts 1 --window-seconds 120
 *                     --max-minutes 20 --seed 1 --quiet]
 *
 * Bounded: fixed counts of kills and restarts, a wall-clock cap, loopback only; every child process is stopped
 * at the end, on failure and on Ctrl-C. Writes bench/results/chaos-<timestamp>.json; exits 1 if a check failed.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, fileTimestamp, wholeNumber, writeReport } from '../bench/lib/options';
import { FAULT_KINDS, type FaultKind } from '../src/scripted-model/faults';
import { formatChaosReport } from './lib/chaos/report';
import { killChildProcessesNow, runChaos, type ChaosOptions } from './lib/chaos/run-chaos';

const USAGE =
  'usage: npm run chaos -- [--store filesystem|postgres] [--sessions N] [--outcomes N] [--leads N] [--fault-rate R] [--fault-kinds 429,529,500,drop,stall]\n' +
  '                        [--stall-ms MS] [--worker-kills N] [--server-restarts N] [--server-down-ms MS]\n' +
  '                        [--postgres-restarts N (postgres store; default 1)] [--postgres-down-ms MS]\n' +
  '                        [--window-seconds S] [--max-minutes M] [--seed S] [--quiet]';

function parseOptions(): ChaosOptions {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'filesystem' },
      sessions: { type: 'string', default: '50' },
      outcomes: { type: 'string', default: '5' },
      leads: { type: 'string', default: '3' },
      'fault-rate': { type: 'string', default: '0.2' },
      'fault-kinds': { type: 'string', default: FAULT_KINDS.join(',') },
      'stall-ms': { type: 'string', default: '30000' },
      'worker-kills': { type: 'string', default: '5' },
      'server-restarts': { type: 'string', default: '1' },
      'server-down-ms': { type: 'string', default: '3000' },
      'postgres-restarts': { type: 'string' },
      'postgres-down-ms': { type: 'string', default: '3000' },
      'window-seconds': { type: 'string', default: '120' },
      'max-minutes': { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const whole = (name: keyof typeof values, min: number, max: number) =>
    wholeNumber(name, String(values[name]), min, max, USAGE);
  const faultRate = Number(values['fault-rate']);
  if (!(faultRate >= 0 && faultRate <= 1))
    throw new Error(`--fault-rate must be from 0 to 1, got "${values['fault-rate']}"\n${USAGE}`);
  const store = values.store;
  if (store !== 'filesystem' && store !== 'postgres')
    throw new Error(`--store takes filesystem or postgres, got "${store}"\n${USAGE}`);
  if (store === 'filesystem' && values['postgres-restarts'] !== undefined)
    throw new Error(`--postgres-restarts needs --store postgres\n${USAGE}`);
  return {
    store,
    sessions: {
      writer: whole('sessions', 2, 1000),
      reporter: whole('outcomes', 0, 1000),
      lead: whole('leads', 0, 1000),
    },
    faultRate,
    faultKinds: parseKinds(String(values['fault-kinds'])),
    stallMs: whole('stall-ms', 0, 600_000),
    workerKills: whole('worker-kills', 0, 100),
    serverRestarts: whole('server-restarts', 0, 10),
    serverDownMs: whole('server-down-ms', 0, 60_000),
    postgresRestarts:
      store === 'postgres' ? wholeNumber('postgres-restarts', values['postgres-restarts'] ?? '1', 0, 10, USAGE) : 0,
    postgresDownMs: whole('postgres-down-ms', 0, 60_000),
    windowMs: whole('window-seconds', 1, 3600) * 1000,
    maxMs: whole('max-minutes', 1, 240) * 60_000,
    seed: whole('seed', 0, 2 ** 31),
    log: values.quiet ? () => {} : (line) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`),
  };
}

function parseKinds(value: string): FaultKind[] {
  const kinds = value.split(',').map((kind) => kind.trim());
  const unknown = kinds.filter((kind) => !(FAULT_KINDS as readonly string[]).includes(kind));
  if (unknown.length || kinds.length === 0)
    throw new Error(`--fault-kinds takes some of ${FAULT_KINDS.join(',')}, got "${value}"\n${USAGE}`);
  return kinds as FaultKind[];
}

async function main(): Promise<void> {
  const options = parseOptions();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the worker, the dev server and PostgreSQL`);
      killChildProcessesNow();
      process.exit(130);
    });
  }
  const startedAt = new Date();
  const report = await runChaos(options);
  console.log(`\n${formatChaosReport(report)}`);
  const { log: _log, ...settings } = options;
  writeReport(path.join(__dirname, '..', 'bench', 'results', `chaos-${fileTimestamp(startedAt)}.json`), {
    ...report,
    settings,
    machine: describeMachine(),
  });
  process.exit(report.ok ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  killChildProcessesNow();
  process.exit(1);
});
