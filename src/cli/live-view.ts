/**
 * Shows successive versions of a block of text (e.g. a thread tree being followed). On a terminal each new
 * version replaces the previous one in place; in a pipe or a file, where cursor movements would only leave
 * clutter, a version is printed only when it differs from the last one, so the output is a log of changes.
 */
import type { PrinterStream } from './event-printer';

/** Moves the cursor to the start of the line `count` lines up (ANSI "cursor previous line"). */
const linesUp = (count: number) => `\x1b[${count}F`;
/** Erases from the cursor to the end of the screen (ANSI "erase in display"). */
const ERASE_BELOW = '\x1b[J';

export class LiveView {
  private lastContent: string | null = null;
  private linesShown = 0;

  constructor(private readonly stream: PrinterStream) {}

  /**
   * Shows `lines` (without newlines) under a `heading` that is not compared (e.g. the time it was read);
   * returns whether anything was written.
   */
  show(lines: readonly string[], heading?: string): boolean {
    const content = lines.join('\n');
    if (content === this.lastContent) return false;
    const shown = heading === undefined ? [...lines] : [heading, ...lines];
    if (this.stream.isTTY) this.redraw(shown);
    else this.stream.write(`${this.lastContent === null ? '' : '\n'}${shown.join('\n')}\n`);
    this.lastContent = content;
    return true;
  }

  /** Replaces what was shown before. Lines are cut to the terminal's width: a wrapped line would throw the count off. */
  private redraw(lines: string[]): void {
    const width = Math.max(1, (this.stream.columns || 80) - 1);
    const fitted = lines.map((line) =>
      Array.from(line).length > width
        ? `${Array.from(line)
            .slice(0, width - 1)
            .join('')}…`
        : line,
    );
    const erase = this.linesShown > 0 ? `${linesUp(this.linesShown)}${ERASE_BELOW}` : '';
    this.stream.write(`${erase}${fitted.join('\n')}\n`);
    this.linesShown = fitted.length;
  }
}
