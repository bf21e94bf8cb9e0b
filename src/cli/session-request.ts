/**
 * What `send`, `outcome` and `interrupt` make of a session's answer to their Update: a rejection is an error with
 * the session's reason (exit 1), a request no worker took in time is a warning (it takes effect when one does).
 */
import { SessionRequestRejection } from '../workflows/api/session-api';
import { CliError, ExitCode } from './errors';
import type { PrinterStream } from './event-printer';
import type { Rejection, UpdateOutcome } from './workflow-update';

export function reportRequestOutcome<T>(
  outcome: UpdateOutcome<T>,
  { sessionId, what, stderr }: { sessionId: string; what: string; stderr: PrinterStream },
): void {
  if (outcome.kind === 'rejected') throw rejectionError(sessionId, what, outcome.rejection);
  if (outcome.kind === 'timed_out') {
    stderr.write(
      `warning: no worker has taken the ${what} for ${sessionId} yet; it takes effect when one does (npm run worker)\n`,
    );
  }
}

function rejectionError(sessionId: string, what: string, rejection: Rejection): CliError {
  if (rejection.type === SessionRequestRejection.ended)
    return new CliError(`session "${sessionId}" has ended; it no longer accepts ${what}s`, ExitCode.failed);
  return new CliError(`session "${sessionId}" rejected the ${what}: ${rejection.message}`, ExitCode.failed);
}
