/**
 * Watching a session live: its events as they happen, with the progress line, then its snapshot. Shared by
 * `lucid run` and the demo (scripts/demo.ts).
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { LucidClient } from '../client';
import type { SessionSnapshot, SessionStopReason } from '../domain/events';
import { EventPrinter, type PrinterStream } from './event-printer';
import { SessionEndingTracker, type SessionEnding } from './session-ending';

export interface WatchOptions {
  stdout: PrinterStream;
  /**
   * Stop at the end of the first turn instead of waiting for the session to close: a kept-alive session then
   * waits for messages, and watching it idle would only block the terminal.
   */
  stopAtIdle?: boolean;
  /**
   * Called on Ctrl-C, after the progress line is cleared; it is expected to end the process (or start an orderly
   * shutdown). Without it Ctrl-C keeps its default effect.
   */
  onCtrlC?: () => void;
  /**
   * Called when the session goes idle waiting on calls (`requires_action`), with the ids of the calls it names,
   * after the progress line is cleared; the events wait meanwhile. Resolves whether any of them still waits for
   * someone else's answer: only then does `stopAtIdle` stop there (without the hook, it stops at every idle).
   */
  onRequiresAction?: (eventIds: string[]) => Promise<boolean>;
}

export type WatchResult =
  { snapshot: SessionSnapshot; ending: SessionEnding; stoppedAtIdle: boolean } | { failure: string };

export async function watchSession(lucid: LucidClient, sessionId: string, options: WatchOptions): Promise<WatchResult> {
  const printer = new EventPrinter(options.stdout, { showProgress: true });
  const tracker = new SessionEndingTracker();
  let stoppedAtIdle = false;
  const stopWatching = options.onCtrlC
    ? handleCtrlC(() => {
        printer.clearProgress();
        options.onCtrlC?.();
      })
    : () => {};
  try {
    for await (const event of lucid.streamEvents(sessionId)) {
      printer.print(event);
      tracker.observe(event);
      if (event.type === 'session.status_idle' && (await stillWaits(event.stop_reason, printer, options))) {
        if (options.stopAtIdle) {
          stoppedAtIdle = true;
          break;
        }
      }
    }
  } finally {
    stopWatching();
    printer.finish();
  }
  const result = stoppedAtIdle ? await currentSnapshot(lucid, sessionId) : await finalSnapshot(lucid, sessionId);
  if ('failure' in result) return result;
  return { snapshot: result.snapshot, ending: tracker.ending(result.snapshot), stoppedAtIdle };
}

/** Whether an idle session still waits after the hook had its say (an ordinary idle always does). */
async function stillWaits(
  stopReason: SessionStopReason | null,
  printer: EventPrinter,
  { onRequiresAction }: WatchOptions,
): Promise<boolean> {
  if (stopReason?.type !== 'requires_action' || !onRequiresAction) return true;
  printer.clearProgress();
  return onRequiresAction(stopReason.event_ids);
}

/**
 * The snapshot the session's workflow returned, or why it failed. A failed workflow (bad input, unknown agent)
 * nests the reason in its causes: the innermost message is the useful one.
 */
export async function finalSnapshot(
  lucid: LucidClient,
  sessionId: string,
): Promise<{ snapshot: SessionSnapshot } | { failure: string }> {
  try {
    return { snapshot: await lucid.result(sessionId) };
  } catch (error) {
    if (error instanceof WorkflowFailedError) return { failure: innermostMessage(error) };
    throw error;
  }
}

async function currentSnapshot(
  lucid: LucidClient,
  sessionId: string,
): Promise<{ snapshot: SessionSnapshot } | { failure: string }> {
  const snapshot = await lucid.snapshot(sessionId);
  return snapshot ? { snapshot } : { failure: 'its snapshot could not be read' };
}

function innermostMessage(error: Error): string {
  let current: Error = error;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}

/** Runs `handler` on Ctrl-C; returns a function that removes it. */
function handleCtrlC(handler: () => void): () => void {
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
