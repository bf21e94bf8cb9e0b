/**
 * The short version of `npm run chaos` (scripts/lib/chaos): the same driver with small numbers. Its own dev
 * server (SQLite in a temp folder, restarted once), a worker process SIGKILLed twice, and the scripted model
 * failing 20 % of requests; every check of the full run must pass, and every fault kind must have been injected.
 */
import { FAULT_KINDS } from '../../src/scripted-model/faults';
import { formatChaosReport } from '../../scripts/lib/chaos/report';
import { runChaos, type ChaosReport } from '../../scripts/lib/chaos/run-chaos';

describe('chaos: sessions, outcomes, threads and a dream through worker kills, a server restart and model faults', () => {
  let report: ChaosReport;
  const lines: string[] = [];

  beforeAll(async () => {
    report = await runChaos({
      store: 'filesystem',
      // At least 42 model requests; seed 1 faults 8 of the first 42, so the five kinds (taking turns) all show.
      sessions: { writer: 5, reporter: 1, lead: 1 },
      faultRate: 0.2,
      faultKinds: [...FAULT_KINDS],
      stallMs: 2_000,
      workerKills: 2,
      serverRestarts: 1,
      serverDownMs: 1_000,
      postgresRestarts: 0,
      postgresDownMs: 0,
      windowMs: 20_000,
      maxMs: 150_000,
      seed: 1,
      workflowBundle: process.env.LUCID_TEST_WORKFLOW_BUNDLE,
      log: (line) => lines.push(line),
    });
  }, 180_000);

  it('passes every check', () => {
    const failed = report.checks.filter((check) => !check.ok);
    if (failed.length) throw new Error(`${formatChaosReport(report)}\n\ndriver log:\n${lines.join('\n')}`);
    expect(report.checks.map((check) => check.ok)).toEqual(report.checks.map(() => true));
    expect(report.sessions).toEqual({ planned: 7, threads: 2 });
  });

  it('injected every kind of fault and carried out every disruption', () => {
    for (const kind of FAULT_KINDS) expect(report.faults[kind]).toBeGreaterThan(0);
    expect(report.worker_kills).toBe(2);
    expect(report.server_restarts).toBe(1);
  });
});
