/**
 * The model activity's side of live text: the stream's events go through a DeltaRecorder into the delta spool,
 * one append at a time and in order. Best effort: a spool that cannot be written loses previews, never the turn.
 */
import { DeltaRecorder, type ModelStreamEvent } from '../domain/event-deltas';
import type { DeltaSpool } from '../storage/delta-spool';

export class DeltaPreview {
  private readonly recorder: DeltaRecorder;
  private writes: Promise<void>;
  private failed = false;

  constructor(
    private readonly spool: DeltaSpool,
    private readonly sessionId: string,
    private readonly startSeq: number,
    secrets: readonly string[],
  ) {
    this.recorder = new DeltaRecorder(sessionId, startSeq, secrets);
    this.writes = this.guard(() => spool.begin(sessionId, startSeq));
  }

  take(event: ModelStreamEvent): void {
    const records = this.recorder.take(event);
    if (records.length === 0 || this.failed) return;
    this.writes = this.writes.then(() => this.guard(() => this.spool.append(this.sessionId, this.startSeq, records)));
  }

  /** Resolves once every record taken so far is written (or given up on). */
  flushed(): Promise<void> {
    return this.writes;
  }

  private async guard(write: () => Promise<void>): Promise<void> {
    if (this.failed) return;
    try {
      await write();
    } catch {
      this.failed = true;
    }
  }
}
