/**
 * Keeps one Lucid worker process running for the chaos run: kills it with SIGKILL when the schedule says so and
 * starts a fresh one, and restarts it if it exits on its own (counted, since that is worth a look).
 */
import { startWorkerProcess, type WorkerProcess, type WorkerProcessOptions } from '../worker-process';
import { sleep } from './retry';

/** A worker that died on its own is restarted after this pause, so a server that is down is not hammered. */
const RESTART_PAUSE_MS = 1_000;

export class WorkerSupervisor {
  kills = 0;
  unexpectedExits = 0;
  /** The last output of workers that exited on their own, for the report. */
  readonly exitLogs: string[] = [];
  private current: WorkerProcess | null = null;
  private stopping = false;
  /**
   * Bumped by every start, kill and stop. A start loop or restart that finds the generation changed leaves the
   * worker to whoever changed it, so there is never more than one worker.
   */
  private generation = 0;

  constructor(
    private readonly options: WorkerProcessOptions,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts a worker and resolves once it polls; one that dies before that (the server is down) is started again. */
  async start(): Promise<void> {
    const generation = ++this.generation;
    while (!this.stopping && generation === this.generation) {
      const worker = this.spawn();
      try {
        await worker.ready;
        return;
      } catch {
        await sleep(RESTART_PAUSE_MS);
      }
    }
  }

  /** SIGKILL, as a crash would: no graceful shutdown, in-flight activities and workflow tasks are lost. */
  async killAndRestart(): Promise<void> {
    this.generation++;
    const victim = this.current;
    this.current = null;
    if (victim) await victim.kill('SIGKILL');
    this.kills++;
    this.log(`worker killed (SIGKILL ${this.kills}); starting a new one`);
    await this.start();
  }

  /** Stops the worker for good (SIGKILL: the run is over and nothing it does matters any more). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.generation++;
    await this.current?.kill('SIGKILL');
    this.current = null;
  }

  /** For an emergency exit (Ctrl-C): kills the worker at once, without waiting. */
  killNow(): void {
    this.stopping = true;
    this.current?.child.kill('SIGKILL');
  }

  private spawn(): WorkerProcess {
    const worker = startWorkerProcess(this.options);
    this.current = worker;
    const generation = this.generation;
    void worker.ready.then(
      () => worker.exited.then((code) => this.onExitAfterReady(worker, generation, code)),
      () => this.onExitBeforeReady(worker),
    );
    return worker;
  }

  private onExitBeforeReady(worker: WorkerProcess): void {
    if (this.current !== worker || this.stopping) return; // killed on purpose
    this.unexpectedExits++;
    this.exitLogs.push(worker.output().slice(-2_000));
    this.log('worker exited while starting; trying again');
  }

  private onExitAfterReady(worker: WorkerProcess, generation: number, code: number | null): void {
    if (this.current !== worker || this.stopping) return; // killed on purpose
    this.unexpectedExits++;
    this.exitLogs.push(worker.output().slice(-2_000));
    this.log(`worker exited on its own (code ${code}); restarting it`);
    this.current = null;
    void sleep(RESTART_PAUSE_MS).then(() => {
      if (generation === this.generation) void this.start();
    });
  }
}
