/**
 * Exit codes and the one error type commands throw to stop with a message. Scripts rely on the codes, so they
 * are part of the CLI's contract (docs/cli.md).
 */
import { isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { LucidError } from '../errors';
import { isMemoryError, type MemoryError, type MemoryErrorCode } from '../memory/errors';

/** What `lucid` exits with. */
export const ExitCode = {
  /** The command did what was asked; for `run`, the session ended its turn normally (`end_turn`). */
  ok: 0,
  /** The session ended badly (error, retries exhausted, max turns, failed workflow), or the command failed. */
  failed: 1,
  /** Bad command line or input: unknown command, missing argument, invalid agent file. */
  usage: 2,
  /** The Temporal server could not be reached. */
  unreachable: 3,
  /** No session with the given id. */
  unknownSession: 4,
  /** No memory store, memory, version, dream, change or schedule with the given id or name (the same code). */
  notFound: 4,
  /** Stopped by Ctrl-C (128 + SIGINT), the shell convention. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error with a message meant for the user (printed as is, without a stack) and the exit code to use. */
export class CliError extends LucidError {
  readonly code: string = 'cli_error';
  readonly fault = 'user_input';

  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
  }
}

/** A problem with the command line; main prints the usage after the message. */
export class UsageError extends CliError {
  override readonly code = 'usage_error';

  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** The one-line hint shown whenever Temporal cannot be reached. */
export const START_SERVER_HINT = 'start a local one with: npm run temporal -- server start-dev';

export function unreachableServerError(address: string, reason: string): CliError {
  return new CliError(
    `cannot reach the Temporal server at ${address} (${reason}); ${START_SERVER_HINT} (or set TEMPORAL_ADDRESS)`,
    ExitCode.unreachable,
  );
}

export function unknownSessionError(sessionId: string): CliError {
  return new CliError(`no session with id "${sessionId}" (see: lucid sessions)`, ExitCode.unknownSession);
}

/**
 * What each memory store error exits with: bad input (a path, content, hash, name) is a usage error, an unknown
 * id is "not found", and a refused change (precondition, conflict, limit, archived, busy) is a failure.
 */
const MEMORY_ERROR_EXIT_CODES: Record<MemoryErrorCode, ExitCodeValue> = {
  invalid_path: ExitCode.usage,
  invalid_content: ExitCode.usage,
  content_too_large: ExitCode.usage,
  invalid_request_error: ExitCode.usage,
  not_found_error: ExitCode.notFound,
  memory_precondition_failed_error: ExitCode.failed,
  version_in_use: ExitCode.failed,
  memory_path_conflict_error: ExitCode.failed,
  memory_limit_reached: ExitCode.failed,
  store_archived: ExitCode.failed,
  store_busy: ExitCode.failed,
};

/** A memory store error as a CliError with its own message: the store's messages already say what to do. */
export function memoryCliError(error: MemoryError): CliError {
  return new CliError(error.message, MEMORY_ERROR_EXIT_CODES[error.code]);
}

/** gRPC status UNAVAILABLE: the server went away, or was never there. */
const GRPC_UNAVAILABLE = 14;

/**
 * Turns an error that escaped a command into a {@link CliError}: known Temporal errors get their own exit code,
 * anything else is a plain failure with its message.
 */
export function toCliError(error: unknown, address: string): CliError {
  if (CliError.isInstance(error)) return error;
  if (error instanceof WorkflowNotFoundError) return unknownSessionError(error.workflowId);
  if (isMemoryError(error)) return memoryCliError(error);
  // Input the client refused (an invalid session or dream input): the caller has to change it, as with usage.
  if (LucidError.isInstance(error) && error.fault === 'user_input') return new CliError(error.message, ExitCode.usage);
  if (isUnavailable(error)) return unreachableServerError(address, 'connection lost');
  return new CliError(describeError(error), ExitCode.failed);
}

/**
 * The error's message, with the server's own explanation when the SDK wraps a gRPC error in a generic one
 * ("Failed to list workflows" says little; the gRPC details say which part of the query was refused).
 */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const details = isGrpcServiceError(cause) ? cause.details : undefined;
  return details && !error.message.includes(details) ? `${error.message}: ${details}` : error.message;
}

/** True when the error, or one of its causes, is gRPC's UNAVAILABLE. */
export function isUnavailable(error: unknown): boolean {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    if (isGrpcServiceError(current) && current.code === GRPC_UNAVAILABLE) return true;
  }
  return false;
}
