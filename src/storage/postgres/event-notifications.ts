import type { Pool, PoolClient } from 'pg';
import type { EventLogWatch } from '../session-store';

/** The channel appends notify on; the payload is the session id. */
export const EVENTS_CHANNEL = 'lucid_session_events';

/**
 * Watches on session logs (or another per-session channel, such as the delta spools), fed by PostgreSQL's LISTEN/NOTIFY, so a reader on any host hears of an append made on
 * any other. One connection a process listens for every watched session; it is opened on the first watch and
 * closed with the last. A notification is a hint to read again, never a delivery: a dropped connection (the
 * database restarted) loses some, which the reader's poll covers, and the next watch listens again.
 */
export class EventNotifications {
  private readonly watchers = new Map<string, Set<() => void>>();
  private listener: Promise<PoolClient | null> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly channel: string = EVENTS_CHANNEL,
  ) {}

  watch(sessionId: string, onChange: () => void): EventLogWatch {
    let callbacks = this.watchers.get(sessionId);
    if (!callbacks) this.watchers.set(sessionId, (callbacks = new Set()));
    callbacks.add(onChange);
    this.listener ??= this.listen();
    return {
      close: () => {
        callbacks.delete(onChange);
        if (callbacks.size === 0) this.watchers.delete(sessionId);
        if (this.watchers.size === 0) void this.stopListening();
      },
    };
  }

  /** Ends the listening connection (the store is closing). */
  async close(): Promise<void> {
    this.watchers.clear();
    await this.stopListening();
  }

  private async listen(): Promise<PoolClient | null> {
    try {
      const client = await this.pool.connect();
      client.on('notification', (message) => this.deliver(message.payload ?? ''));
      client.on('error', () => this.drop(client));
      await client.query(`LISTEN ${this.channel}`);
      return client;
    } catch {
      this.listener = null; // the database is away: readers poll, and the next watch tries again
      return null;
    }
  }

  private deliver(sessionId: string): void {
    for (const onChange of this.watchers.get(sessionId) ?? []) onChange();
  }

  private drop(client: PoolClient): void {
    this.listener = null;
    client.release(true);
  }

  private async stopListening(): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    const client = await listener;
    if (client) client.release(true);
  }
}
