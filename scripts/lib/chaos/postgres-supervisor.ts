/**
 * The chaos run's own PostgreSQL (a throwaway cluster, loopback) when it runs on the PostgreSQL store. A restart
 * stops it as a crash would (pg_ctl -m immediate: no checkpoint, open connections cut) and starts it on the same
 * port and data after a pause, so the workers meet a database that vanished mid-query and came back with crash
 * recovery, with every committed write kept.
 */
import { startThrowawayPostgres, type ThrowawayPostgres } from '../throwaway-postgres';
import { sleep } from './retry';

export class PostgresSupervisor {
  restarts = 0;

  private constructor(
    private readonly server: ThrowawayPostgres,
    /** The database the run's stores use. */
    readonly url: string,
  ) {}

  static async start(): Promise<PostgresSupervisor> {
    const server = await startThrowawayPostgres();
    try {
      return new PostgresSupervisor(server, await server.createDatabase('lucid_chaos'));
    } catch (error) {
      server.destroy();
      throw error;
    }
  }

  /** Stops the server at once, leaves it down for `downMs`, and starts it again. */
  async restart(downMs: number): Promise<void> {
    this.server.stop();
    await sleep(downMs);
    this.server.start();
    this.restarts++;
  }

  /** Stops the server and removes its files (also the way out on Ctrl-C: it is synchronous). */
  destroy(): void {
    this.server.destroy();
  }
}
