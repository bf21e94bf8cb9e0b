/**
 * One reader of one session's delta spool (live-text previews, src/domain/event-deltas.ts), shared by the streams
 * that asked for `event_deltas`. It holds the newest model request's previews only: older requests' events are
 * in the log by the time a newer request starts.
 */
import type { DeltaRecord } from '../../domain/event-deltas';
import type { DeltaSpool } from '../../storage/delta-spool';
import { ChangeSignal, LogFollower } from './log-follower';

export interface DeltaCursor {
  startSeq: number;
  index: number;
}

export const DELTA_CURSOR_START: DeltaCursor = { startSeq: -1, index: 0 };

export class DeltaTail {
  private startSeq = -1;
  private records: DeltaRecord[] = [];
  private readonly changes = new ChangeSignal();
  private readonly follower: LogFollower;

  constructor(
    private readonly spool: DeltaSpool,
    private readonly logId: string,
  ) {
    this.follower = new LogFollower(
      (onChange) => spool.watch(logId, onChange),
      () => this.readNew(),
    );
  }

  async start(): Promise<void> {
    await this.readNew().catch(() => undefined); // previews are best effort
    this.follower.start();
  }

  stop(): void {
    this.follower.stop();
    this.changes.end();
  }

  nextChange(): Promise<void> {
    return this.changes.next();
  }

  /** The previews after `cursor` (all of the newest request's when the cursor is of an older one). */
  after(cursor: DeltaCursor): { cursor: DeltaCursor; records: DeltaRecord[] } {
    const from = cursor.startSeq === this.startSeq ? cursor.index : 0;
    return { cursor: { startSeq: this.startSeq, index: this.records.length }, records: this.records.slice(from) };
  }

  private async readNew(): Promise<void> {
    const page = await this.spool.readNewest(this.logId, { startSeq: this.startSeq, index: this.records.length });
    if (!page) return;
    if (page.startSeq !== this.startSeq) {
      this.startSeq = page.startSeq;
      this.records = page.records;
    } else if (page.records.length > 0) {
      this.records.push(...page.records);
    } else {
      return;
    }
    this.changes.fire();
  }
}
