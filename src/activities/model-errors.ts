import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import { RETRYABLE_MODEL_FAILURES, type ModelFailureDetails, type ModelFailureType } from '../domain/failure-types';
import { redactText } from '../domain/redact';

/**
 * The agent's model activity throws every failure non-retryable at the Temporal level: the workflow owns those
 * retries (so each shows as a `session.error` event with `retry_status: retrying`) and decides from the type.
 */
export function toModelFailure(error: unknown): ApplicationFailure {
  if (error instanceof Anthropic.APIConnectionTimeoutError)
    return failure('ModelTimeout', 'model request timed out', null, null);
  if (error instanceof Anthropic.APIConnectionError) {
    return failure('ModelConnectionError', `cannot reach the model API: ${error.message}`, null, null);
  }
  if (error instanceof Anthropic.APIError) {
    const status = typeof error.status === 'number' ? error.status : null;
    const type = classifyStatus(status);
    const message = `model API answered ${status ?? 'an error'}: ${apiErrorMessage(error)}`;
    return failure(type, message, status, retryAfterMs(error.headers));
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/api ?key|apiKey|authToken/i.test(message)) return failure('ModelConfigurationError', message, null, null);
  return failure('ModelConnectionError', message, null, null);
}

function classifyStatus(status: number | null): ModelFailureType {
  if (status === 429) return 'ModelRateLimited';
  if (status === 529) return 'ModelOverloaded';
  if (status === 408) return 'ModelTimeout';
  if (status !== null && status >= 500) return 'ModelServerError';
  // 400, 401, 403, 404, 413 and any other client error: retrying sends the same bad request again.
  return 'ModelRequestRejected';
}

function apiErrorMessage(error: InstanceType<typeof Anthropic.APIError>): string {
  const body = error.error as { error?: { message?: string; type?: string } } | undefined;
  return body?.error?.message ?? error.message;
}

/** `retry-after-ms` wins over `retry-after` (seconds or an HTTP date), as in the SDK's own retry logic. */
export function retryAfterMs(headers: Headers | Record<string, string> | undefined | null): number | null {
  if (!headers) return null;
  const get = (name: string) =>
    headers instanceof Headers ? headers.get(name) : ((headers as Record<string, string>)[name] ?? null);
  const milliseconds = Number(get('retry-after-ms'));
  if (get('retry-after-ms') && Number.isFinite(milliseconds)) return Math.max(0, milliseconds);
  const value = get('retry-after');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : null;
}

function failure(type: ModelFailureType, message: string, status: number | null, retryAfter: number | null) {
  const details: ModelFailureDetails = { status, retry_after_ms: retryAfter };
  return ApplicationFailure.create({ type, message, nonRetryable: true, details: [details] });
}

/** A `retry-after: 0` must not turn into a tight retry loop. */
const MIN_RETRY_DELAY_MS = 1_000;

/**
 * For activities whose model calls Temporal retries (the grader, dreams): model API errors become typed failures
 * (the types of {@link toModelFailure}), retryable at the Temporal level when the model API may answer next time. Other errors (a missing workspace, EIO) are rethrown with their
 * message redacted, and Temporal retries them under the activity's policy.
 */
export function toRetryableModelFailure(error: unknown, secrets: readonly string[] = []): Error {
  if (!(error instanceof Anthropic.AnthropicError)) {
    if (error instanceof Error) {
      error.message = redactText(error.message, secrets);
      return error;
    }
    return new Error(redactText(String(error), secrets));
  }
  const modelFailure = toModelFailure(error);
  const details = (modelFailure.details?.[0] ?? { status: null, retry_after_ms: null }) as ModelFailureDetails;
  const retryable = (RETRYABLE_MODEL_FAILURES as readonly string[]).includes(modelFailure.type ?? '');
  return ApplicationFailure.create({
    type: modelFailure.type ?? undefined,
    message: redactText(modelFailure.message, secrets),
    nonRetryable: !retryable,
    details: [details],
    ...(retryable && details.retry_after_ms !== null
      ? { nextRetryDelay: Math.max(MIN_RETRY_DELAY_MS, details.retry_after_ms) }
      : {}),
  });
}
