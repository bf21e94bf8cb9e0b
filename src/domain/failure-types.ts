/**
 * Every ApplicationFailure type Lucid raises on purpose, in one casing (PascalCase), shared by the activities that
 * raise them and the workflows and clients that read them. No dependencies, so the workflow bundle can import it.
 *
 * A LucidError that leaves an activity becomes a failure whose type is its `failureType`: the class name without
 * `Error` (src/errors.ts, src/activities/boundary.ts). Recorded histories hold only the model types, all in this
 * casing already; the snake_case `not_found_error` and `conflict_error` that dreams raised before are gone.
 */
import type { SessionErrorType } from './events';

export const FailureType = {
  // Model API answers (src/activities/model-errors.ts).
  ModelRateLimited: 'ModelRateLimited',
  ModelOverloaded: 'ModelOverloaded',
  ModelServerError: 'ModelServerError',
  ModelConnectionError: 'ModelConnectionError',
  ModelTimeout: 'ModelTimeout',
  ModelRequestRejected: 'ModelRequestRejected',
  ModelConfigurationError: 'ModelConfigurationError',
  // Input that fails the same way on every attempt: never retried.
  InvalidSessionInput: 'InvalidSessionInput',
  InvalidDreamInput: 'InvalidDreamInput',
  InvalidAgent: 'InvalidAgent',
  InvalidActivityInput: 'InvalidActivityInput',
  // Updates refused by their validators, before anything reaches history (src/workflows/api/*).
  InvalidSessionRequest: 'InvalidSessionRequest',
  SessionEnded: 'SessionEnded',
  SessionNotRunning: 'SessionNotRunning',
  InvalidReviewDecision: 'InvalidReviewDecision',
  SessionNotFound: 'SessionNotFound',
  MemoryNotFound: 'MemoryNotFound',
  MemoryStoreHeld: 'MemoryStoreHeld',
  // The memory store's own errors (src/memory/errors.ts), when a dream or session step meets one.
  InvalidMemoryRequest: 'InvalidMemoryRequest',
  InvalidMemoryPath: 'InvalidMemoryPath',
  InvalidMemoryContent: 'InvalidMemoryContent',
  MemoryContentTooLarge: 'MemoryContentTooLarge',
  MemoryLimitReached: 'MemoryLimitReached',
  MemoryPathConflict: 'MemoryPathConflict',
  MemoryAlreadyExists: 'MemoryAlreadyExists',
  MemoryPreconditionFailed: 'MemoryPreconditionFailed',
  MemoryStoreArchived: 'MemoryStoreArchived',
  MemoryVersionInUse: 'MemoryVersionInUse',
  // Retried: they may pass next time (a busy store, a record an operator repairs, a test's simulated crash).
  MemoryStoreBusy: 'MemoryStoreBusy',
  StoredRecord: 'StoredRecord',
  SimulatedCrash: 'SimulatedCrash',
  // Storage that cannot be reached for now: waited out inside the attempt, retried when the attempt runs out.
  StorageUnavailable: 'StorageUnavailable',
  // A workspace step the session could not take (a workspace that cannot be made).
  Workspace: 'Workspace',
} as const;

export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

export const RETRYABLE_MODEL_FAILURES = [
  FailureType.ModelRateLimited,
  FailureType.ModelOverloaded,
  FailureType.ModelServerError,
  FailureType.ModelConnectionError,
  FailureType.ModelTimeout,
] as const;
export const TERMINAL_MODEL_FAILURES = [FailureType.ModelRequestRejected, FailureType.ModelConfigurationError] as const;

export type ModelFailureType = (typeof RETRYABLE_MODEL_FAILURES)[number] | (typeof TERMINAL_MODEL_FAILURES)[number];

/** Carried in a model failure's details so a retry can honour `retry-after`. */
export interface ModelFailureDetails {
  status: number | null;
  retry_after_ms: number | null;
}

/** Whether Lucid raised this type on purpose: an expected, classified failure, logged as one line. */
export function isLucidFailureType(type: string | null | undefined): type is FailureTypeName {
  return typeof type === 'string' && (Object.values(FailureType) as string[]).includes(type);
}

export function isTerminalModelFailure(type: string): boolean {
  return (TERMINAL_MODEL_FAILURES as readonly string[]).includes(type);
}

/** The Managed Agents error type a session reports for a model failure. */
export function sessionErrorTypeOf(type: string): SessionErrorType {
  if (type === FailureType.ModelRateLimited) return 'model_rate_limited_error';
  if (type === FailureType.ModelOverloaded) return 'model_overloaded_error';
  return 'model_request_failed_error';
}
