/**
 * The memory store's errors as the API's: the conflicts a retry cannot fix are 409s with `x-should-retry: false`
 * (the SDK retries every other 409), each with the error type the API uses; a path conflict names the memory in
 * the way, as the API's `memory_path_conflict_error` does.
 */
import {
  MemoryAlreadyExistsError,
  MemoryError,
  MemoryPathConflictError,
  MemoryPreconditionFailedError,
} from '../../memory/errors';
import { ApiError, invalidRequest, notFound } from '../api-error';

export function apiErrorOf(error: MemoryError): ApiError {
  if (error instanceof MemoryPathConflictError) {
    return pathConflict(error.message, error.conflicting_path, error.conflicting_memory_id);
  }
  // Create is create-only in the API: a memory already at the path is a path conflict, not a precondition.
  if (error instanceof MemoryAlreadyExistsError) {
    const message = `a memory already exists at ${JSON.stringify(error.memoryPath)} (${error.memoryId}); update it instead`;
    return pathConflict(message, error.memoryPath, error.memoryId);
  }
  if (error instanceof MemoryPreconditionFailedError) {
    return new ApiError(409, 'memory_precondition_failed_error', error.message, false);
  }
  switch (error.code) {
    case 'not_found_error':
      return notFound(error.message);
    case 'store_archived':
    case 'version_in_use':
      return new ApiError(409, 'conflict_error', error.message, false);
    case 'store_busy':
      return new ApiError(503, 'api_error', error.message, true);
    default:
      return invalidRequest(error.message);
  }
}

function pathConflict(message: string, path: string, memoryId: string): ApiError {
  return new ApiError(409, 'memory_path_conflict_error', message, false, {
    conflicting_path: path,
    conflicting_memory_id: memoryId,
  });
}

/** `work`, with the memory store's errors turned into the API's. */
export async function asApiCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (MemoryError.isInstance(error)) throw apiErrorOf(error);
    throw error;
  }
}
