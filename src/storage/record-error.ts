import { LucidError } from '../errors';

/**
 * A record on disk that cannot be read back: not JSON, not the shape its schema version says, or a version this
 * Lucid does not know (written by a newer one). The message names the file, so a person can look at it; nothing
 * is guessed or half-read. It is the storage's fault, never the model's or the caller's.
 */
export type StoredRecordProblem = 'not_json' | 'invalid' | 'unknown_version';

export class StoredRecordError extends LucidError {
  readonly code = 'stored_record_error';
  /** Retried like any storage failure: an operator who repairs the file lets the next attempt pass. */
  readonly fault = 'system';

  constructor(
    /** What the record is, e.g. "session snapshot". */
    readonly kind: string,
    readonly file: string,
    readonly problem: StoredRecordProblem,
    detail: string,
  ) {
    super(`cannot read ${kind} ${file}: ${detail}`);
  }
}
