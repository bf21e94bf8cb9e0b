/**
 * Lucid's one error hierarchy. Every error Lucid throws on purpose is a {@link LucidError}: it has a stable `code`
 * that callers switch on, says who is at `fault`, and has a message written for whoever has to act on it. The
 * families (workspace, memory, CLI, worker settings, scenario) subclass it in their own modules; the errors that
 * cross the activity boundary for any of them are here.
 *
 * Pure: no Node built-ins and no imports, so the workflow bundle can load it (it then holds a second copy of each
 * class, which is why {@link LucidError.isInstance} checks a brand instead of `instanceof`).
 */

/**
 * Who has to change something for the same call to succeed. The activity boundary (src/activities/boundary.ts)
 * reads it: `user_input` and `model` errors fail the same way on every retry, so they are not retried; `system`
 * errors (a disk, a lost race) may pass next time.
 */
export type Fault = 'user_input' | 'model' | 'system';

/** The brand every LucidError carries; `Symbol.for` so that each copy of this module finds the same symbol. */
const LUCID_ERROR = Symbol.for('lucid.error');

export abstract class LucidError extends Error {
  /** Stable, machine-readable reason; part of the contract (CLI exit codes and API error types map from it). */
  abstract readonly code: string;
  abstract readonly fault: Fault;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /**
   * The ApplicationFailure type this error becomes when it leaves an activity: the class name without its `Error`
   * suffix (`MemoryNotFoundError` → `MemoryNotFound`), the casing of src/domain/failure-types.ts.
   */
  get failureType(): string {
    return this.name.replace(/Error$/, '');
  }

  /**
   * Whether `value` is an instance of this class (called on a subclass: of that subclass), also when it was made by
   * another copy of the module, as the workflow bundle's is. Matches the brand, then the class name along the chain.
   */
  static isInstance<T extends LucidError>(this: abstract new (...args: never[]) => T, value: unknown): value is T {
    if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[LUCID_ERROR] !== true) {
      return false;
    }
    if (this.name === 'LucidError') return true;
    for (let proto = Object.getPrototypeOf(value); proto; proto = Object.getPrototypeOf(proto)) {
      if ((proto as { constructor?: { name?: string } }).constructor?.name === this.name) return true;
    }
    return false;
  }
}
Object.defineProperty(LucidError.prototype, LUCID_ERROR, { value: true });

/** Thrown at a crash point of a test seam (the tool journal, the memory store); stands in for the worker dying. */
export class SimulatedCrash extends LucidError {
  readonly code = 'simulated_crash';
  readonly fault = 'system';

  constructor(readonly point: string) {
    super(`simulated crash (${point})`);
  }
}

/** A session's input, as given or as it resolved (an attached memory store that is missing or archived). */
export class InvalidSessionInputError extends LucidError {
  readonly code = 'invalid_session_input';
  readonly fault = 'user_input';
}

/** A dream's input that does not validate. */
export class InvalidDreamInputError extends LucidError {
  readonly code = 'invalid_dream_input';
  readonly fault = 'user_input';
}

/** An agent name that is malformed or unknown, or an agent definition file that does not parse or validate. */
export class InvalidAgentError extends LucidError {
  readonly code = 'invalid_agent';
  readonly fault = 'user_input';
}

/** A session named by id (for a dream) that has no event log. */
export class SessionNotFoundError extends LucidError {
  readonly code = 'not_found_error';
  readonly fault = 'user_input';
}

/** An `update_existing` dream found its memory store held by another dream. */
export class MemoryStoreHeldError extends LucidError {
  readonly code = 'conflict_error';
  readonly fault = 'user_input';
}

/**
 * The storage cannot be reached for now: a database that refuses or drops connections, restarts or shuts down, a
 * pool that cannot get a connection in time, a network filesystem that is away. The same call passes once it is
 * back, so the activity boundary waits it out inside the attempt instead of spending the attempts that model and
 * tool errors are limited to (src/activities/boundary.ts).
 */
export class StorageUnavailableError extends LucidError {
  readonly code = 'storage_unavailable';
  readonly fault = 'system';
}
