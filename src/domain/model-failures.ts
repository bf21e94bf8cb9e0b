/**
 * Failure types of model calls, shared by the activities that raise them and the workflows that read them (this
 * module has no dependencies, so the workflow bundle can import it).
 */
import type { SessionErrorType } from './events';

export const RETRYABLE_MODEL_FAILURES = [
  'ModelRateLimited',
  'ModelOverloaded',
  'ModelServerError',
  'ModelConnectionError',
  'ModelTimeout',
] as const;
export const TERMINAL_MODEL_FAILURES = ['ModelRequestRejected', 'ModelConfigurationError'] as const;

export type ModelFailureType = (typeof RETRYABLE_MODEL_FAILURES)[number] | (typeof TERMINAL_MODEL_FAILURES)[number];

/** Carried in the failure's details so a retry can honour `retry-after`. */
export interface ModelFailureDetails {
  status: number | null;
  retry_after_ms: number | null;
}

export function isTerminalModelFailure(type: string): boolean {
  return (TERMINAL_MODEL_FAILURES as readonly string[]).includes(type);
}

/** The Managed Agents error type a session reports for a model failure. */
export function sessionErrorTypeOf(type: string): SessionErrorType {
  if (type === 'ModelRateLimited') return 'model_rate_limited_error';
  if (type === 'ModelOverloaded') return 'model_overloaded_error';
  return 'model_request_failed_error';
}
