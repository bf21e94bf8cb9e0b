/**
 * The API's errors, as the SDK reads them: a status, an `error.type` it knows, a message, and whether the SDK
 * may retry (it retries 408, 409, 429 and 5xx unless `x-should-retry: false` says not to).
 */
import { LucidError, type Fault } from '../errors';

export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'conflict_error'
  | 'memory_precondition_failed_error'
  | 'memory_path_conflict_error'
  | 'rate_limit_error'
  | 'api_error';

export class ApiError extends LucidError {
  readonly fault: Fault;

  constructor(
    readonly status: number,
    readonly type: ApiErrorType,
    message: string,
    /** Sent as `x-should-retry`; undefined leaves the choice to the SDK's defaults. */
    readonly shouldRetry?: boolean,
    /** Fields of the error object beyond type and message, such as a path conflict's `conflicting_path`. */
    readonly fields: Readonly<Record<string, string>> = {},
    /** `details.error_code`, by which the SDK picks a typed error class (`400 environment_archived`, ...). */
    readonly errorCode?: string,
  ) {
    super(message);
    this.fault = status >= 500 ? 'system' : 'user_input';
  }

  /** The API's error type is the stable code. */
  get code(): string {
    return this.type;
  }
}

export const invalidRequest = (message: string) => new ApiError(400, 'invalid_request_error', message);
export const notFound = (message: string) => new ApiError(404, 'not_found_error', message);
/** A conflict the same request cannot resolve by being sent again, such as a stale `version`. */
export const conflict = (message: string) => new ApiError(409, 'conflict_error', message, false);

/** The body of every error response. */
export function errorBody(error: ApiError, requestId: string) {
  const errorCode = error.errorCode === undefined ? {} : { details: { error_code: error.errorCode } };
  return {
    type: 'error',
    error: { type: error.type, message: error.message, ...error.fields, ...errorCode },
    request_id: requestId,
  };
}
