/**
 * The chaos run's own Temporal dev server, persisted in a SQLite file so that a restart (same port, same file)
 * keeps every workflow. Loopback only: startDevServer binds 127.0.0.1.
 */
import { startDevServer, type DevServer } from '../dev-server';
import { sleep } from './retry';

export class ServerSupervisor {
  restarts = 0;

  private constructor(
    private server: DevServer,
    private readonly dbFilename: string,
  ) {}

  static async start(dbFilename: string): Promise<ServerSupervisor> {
    return new ServerSupervisor(await startDevServer({ dbFilename }), dbFilename);
  }

  get address(): string {
    return this.server.address;
  }

  /** Stops the server (SIGTERM, as an operator would), leaves it down for `downMs`, and starts it again. */
  async restart(downMs: number): Promise<void> {
    await this.server.stop();
    await sleep(downMs);
    this.server = await startDevServer({ port: this.server.port, dbFilename: this.dbFilename });
    this.restarts++;
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  /** For an emergency exit (Ctrl-C): kills the server at once, without waiting. */
  killNow(): void {
    this.server.process.kill('SIGKILL');
  }
}
