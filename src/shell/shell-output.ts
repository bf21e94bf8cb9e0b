/**
 * What one shell command printed, kept in bounded memory however much it prints: the first and last
 * {@link KEPT_BYTES_EACH_END} bytes and a count of the rest, which is what a model can use of a long build log.
 *
 * The shell ends each command by printing `\n<marker>:<exit status>\n`, with a marker drawn at random per call, so
 * the end is found in the stream itself; anything after it comes from a background process and is dropped.
 */

/** Bytes kept from the start and from the end of the output; the middle of a longer output is left out. */
export const KEPT_BYTES_EACH_END = 16 * 1024;
/** Longest end line: "\n" + a 32-hex-digit marker + ":" + a status of up to 3 digits + "\n". */
const END_LINE_MAX_BYTES = 1 + 32 + 1 + 3 + 1;

export interface CollectedOutput {
  /** The output as the model sees it: whole, or its two ends around a notice of what was left out. */
  text: string;
  /** Bytes the command printed in all. */
  totalBytes: number;
}

export class ShellOutput {
  private head = Buffer.alloc(0);
  /** The most recent bytes after the head, including a possible partial end line. */
  private tail = Buffer.alloc(0);
  private received = 0;
  private readonly endLine: RegExp;

  constructor(marker: string) {
    if (!/^[0-9a-f]{32}$/.test(marker)) throw new Error('the end marker must be 32 hex digits');
    this.endLine = new RegExp(`\\n${marker}:(\\d{1,3})\\n`);
  }

  get receivedBytes(): number {
    return this.received;
  }

  /** Takes a chunk; returns the command's exit status once its end line has arrived. */
  push(chunk: Buffer): number | null {
    this.received += chunk.length;
    const headRoom = KEPT_BYTES_EACH_END - this.head.length;
    if (headRoom > 0) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, headRoom)]);
      chunk = chunk.subarray(headRoom);
    }
    this.tail = Buffer.concat([this.tail, chunk]);
    const status = this.findEnd();
    // Trimmed only while the end is still to come, so the end line found is never cut away.
    const keep = KEPT_BYTES_EACH_END + END_LINE_MAX_BYTES;
    if (status === null && this.tail.length > 2 * keep) this.tail = this.tail.subarray(this.tail.length - keep);
    return status;
  }

  private endIndex = -1;
  private endLength = 0;

  private findEnd(): number | null {
    // The end line can straddle head and tail only while the tail is still short; search both together then.
    const searched = this.tail.length < END_LINE_MAX_BYTES ? Buffer.concat([this.head, this.tail]) : this.tail;
    const match = this.endLine.exec(searched.toString('latin1'));
    if (!match) return null;
    this.endIndex = match.index - (searched.length - this.tail.length);
    this.endLength = match[0].length;
    return Number(match[1]);
  }

  /** The output up to the end line (or all of it, when the command never finished). */
  collected(): CollectedOutput {
    let head = this.head;
    let tail = this.tail;
    let totalBytes = this.received;
    if (this.endIndex !== -1) {
      const afterEnd = tail.length - (this.endIndex + this.endLength);
      totalBytes -= this.endLength + afterEnd;
      if (this.endIndex < 0) {
        head = head.subarray(0, head.length + this.endIndex);
        tail = Buffer.alloc(0);
      } else {
        tail = tail.subarray(0, this.endIndex);
      }
    }
    const omitted = totalBytes - head.length - tail.length;
    if (omitted <= 0) return { text: Buffer.concat([head, tail]).toString('utf8'), totalBytes };
    const ending = tail.subarray(Math.max(0, tail.length - KEPT_BYTES_EACH_END));
    const left = totalBytes - head.length - ending.length;
    const notice = `\n\n[... ${left} bytes of output omitted ...]\n\n`;
    return { text: head.toString('utf8') + notice + ending.toString('utf8'), totalBytes };
  }
}
