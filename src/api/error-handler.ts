/**
 * Every failure becomes the API's error body with the status the SDK maps to its error classes. Fastify's own
 * errors (a body too large, not JSON, of another content type) and LucidErrors at the user's fault are translated
 * here; anything unexpected is an api_error whose message says nothing of the internals (the log has the details,
 * never the request's headers).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { LucidError } from '../errors';
import { StoredRecordError } from '../storage/record-error';
import { ApiError, errorBody, invalidRequest } from './api-error';

export function sendError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const apiError = asApiError(error);
  if (apiError.status >= 500) request.log.error({ err: error }, 'request failed');
  if (apiError.shouldRetry !== undefined) reply.header('x-should-retry', String(apiError.shouldRetry));
  return reply.status(apiError.status).type('application/json').send(errorBody(apiError, request.id));
}

function asApiError(error: FastifyError | Error): ApiError {
  if (error instanceof ApiError) return error;
  // Lucid's own refusals of bad input (a session input, a memory path) say what to fix, so the caller sees them.
  if (LucidError.isInstance(error) && error.fault === 'user_input') return invalidRequest(error.message);
  const code = (error as FastifyError).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'request_too_large', 'the request body is larger than this server accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return invalidRequest('the request body must be JSON, sent with content-type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidRequest('the request body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidRequest(`the request body is not valid JSON: ${error.message}`);
  }
  // The SDK would retry a 500 at once, and read the same broken file again; the path stays in the server's log.
  if (StoredRecordError.isInstance(error)) {
    return new ApiError(500, 'api_error', 'a stored record cannot be read; the server log names it', false);
  }
  if (error instanceof SyntaxError) return invalidRequest(`the request body is not valid JSON: ${error.message}`);
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return invalidRequest(error.message);
  return new ApiError(500, 'api_error', 'internal server error');
}
