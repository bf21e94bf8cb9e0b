/**
 * The short version of `npm run chaos` (scripts/lib/chaos): the same driver with small numbers. Its own dev
 * server (SQLite in a temp folder, restarted once), a worker process SIGKILLed twice, and the scripted model
 * failing 20 % of requests; every check of the full run must pass, and every fault kind must have been injected.
 */
import { FAULT_KINDS } from '../../src/scripted-model/faults';
import { useChaosRun } from '../helpers/chaos-run';

describe('chaos: sessions, outcomes, threads and a dream through worker kills, a server restart and model faults', () => {
  const chaos = useChaosRun(
    {
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
    },
    180_000,
  );

  it('passes every check', () => {
    chaos.expectEveryCheckPassed();
    expect(chaos.report().sessions).toEqual({ planned: 7, threads: 2 });
  });

  it('injected every kind of fault and carried out every disruption', () => {
    for (const kind of FAULT_KINDS) expect(chaos.report().faults[kind]).toBeGreaterThan(0);
    expect(chaos.report().worker_kills).toBe(2);
    expect(chaos.report().server_restarts).toBe(1);
  });
});
