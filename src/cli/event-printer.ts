/**
 * Prints a live stream of events, one line each, with a progress line (turn, tool calls, outcome, tokens).
 * On a terminal the progress line stays at the bottom and is redrawn in place; when the output is a pipe or a
 * file, where `\r` tricks would only leave clutter, the progress is printed as a plain line after each model
 * answer, each evaluation end and each time a thread finishes its task instead.
 *
 * The grader's heartbeat events (`span.outcome_evaluation_ongoing`, one every few seconds while it works) only
 * move the progress line on a terminal ("grading 15s"): a new line for each would bury the log.
 */
import type { SessionEvent } from '../domain/events';
import {
  advanceProgress,
  INITIAL_PROGRESS,
  renderEventLines,
  renderProgress,
  type SessionProgress,
} from './render-event';
import { runningThreadCount } from './render-thread';

/** Moves to the start of the line and erases it (ANSI "erase in line"). */
const CLEAR_LINE = '\r\x1b[2K';

/** Events after which a pipe or file gets a plain progress line: the moments the totals or the outcome change. */
const PROGRESS_AFTER: ReadonlySet<SessionEvent['type']> = new Set([
  'span.model_request_end',
  'span.outcome_evaluation_end',
]);

/** The part of a stream the printer uses; `process.stdout` fits. */
export interface PrinterStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export class EventPrinter {
  private progress: SessionProgress = INITIAL_PROGRESS;
  private progressShown = false;

  constructor(
    private readonly stream: PrinterStream,
    private readonly options: { showProgress?: boolean } = {},
  ) {}

  /** The totals over every event printed so far. */
  get currentProgress(): SessionProgress {
    return this.progress;
  }

  print(event: SessionEvent): void {
    const before = this.progress;
    this.progress = advanceProgress(before, event);
    if (this.redrawsInPlace()) {
      const lines = event.type === 'span.outcome_evaluation_ongoing' ? '' : this.renderLines(event);
      this.stream.write(`${CLEAR_LINE}${lines}${this.fittedProgress()}`);
      this.progressShown = true;
      return;
    }
    this.stream.write(this.renderLines(event));
    const moment = PROGRESS_AFTER.has(event.type) || threadFinished(before, this.progress);
    if (this.options.showProgress && moment) this.writeProgressLine();
  }

  /** Leaves the final progress as an ordinary line, so what follows starts on a fresh line. */
  finish(): void {
    if (this.progressShown) {
      this.stream.write(`${CLEAR_LINE}${renderProgress(this.progress)}\n`);
      this.progressShown = false;
    }
  }

  /** Removes the progress line (e.g. before printing a message that should not be mixed with it). */
  clearProgress(): void {
    if (this.progressShown) this.stream.write(CLEAR_LINE);
    this.progressShown = false;
  }

  /** The event's line(s), each ending in a newline. */
  private renderLines(event: SessionEvent): string {
    const { toolNames, outcomeMaxIterations } = this.progress;
    const lines = renderEventLines(event, {
      toolName: (id) => toolNames[id],
      outcomeMaxIterations: (id) => outcomeMaxIterations[id],
    });
    return lines.map((line) => `${line}\n`).join('');
  }

  private redrawsInPlace(): boolean {
    return Boolean(this.options.showProgress && this.stream.isTTY);
  }

  private writeProgressLine(): void {
    this.stream.write(`  ${renderProgress(this.progress)}\n`);
  }

  /** A redrawn line must not wrap: `\r` only returns to the start of the last screen row. */
  private fittedProgress(): string {
    const text = renderProgress(this.progress);
    const width = (this.stream.columns || 80) - 1; // 0 or unknown on some pseudo-terminals
    return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
  }
}

/**
 * A thread finished its task (or ended during it): the moment "threads: n running" changes for a reader. Thread
 * starts come in bursts (one per delegate call) and closing idle threads at the end changes nothing running, so
 * neither gets a line of its own.
 */
function threadFinished(before: SessionProgress, after: SessionProgress): boolean {
  return runningThreadCount(after.threads) < runningThreadCount(before.threads);
}
