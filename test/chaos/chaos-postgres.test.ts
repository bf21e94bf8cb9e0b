/**
 * The short version of `npm run chaos -- --store postgres`: every store on a throwaway PostgreSQL, which is
 * crashed (pg_ctl -m immediate) and restarted in the middle of the sessions, besides a worker SIGKILL and model
 * faults. Every check of the full run must pass, read back through the PostgreSQL store.
 */
import { useChaosRun } from '../helpers/chaos-run';

describe('chaos on the PostgreSQL store: sessions, threads and a dream through a database crash and a worker kill', () => {
  const chaos = useChaosRun(
    {
      store: 'postgres',
      sessions: { writer: 4, reporter: 1, lead: 1 },
      // Fewer faults than the filesystem run: this one is about the database, and stalls would only lengthen it.
      faultRate: 0.1,
      faultKinds: ['429', '500', 'drop'],
      stallMs: 0,
      workerKills: 1,
      serverRestarts: 0,
      serverDownMs: 0,
      postgresRestarts: 1,
      postgresDownMs: 2_000,
      windowMs: 15_000,
      maxMs: 120_000,
      seed: 2,
    },
    150_000,
  );

  it('passes every check against the PostgreSQL store', () => {
    chaos.expectEveryCheckPassed();
    expect(chaos.report().store).toBe('postgres');
    expect(chaos.report().sessions).toEqual({ planned: 6, threads: 2 });
  });

  it('crashed and restarted PostgreSQL once and killed the worker once', () => {
    expect(chaos.report().postgres_restarts).toBe(1);
    expect(chaos.report().worker_kills).toBe(1);
  });
});
