/** How errors become the CLI's one-line messages and exit codes (docs/cli.md, "Exit codes"). */
import { ExitCode, toCliError } from '../../src/cli/errors';
import { InvalidDreamInputError, InvalidSessionInputError, SimulatedCrash } from '../../src/errors';
import { MemoryNotFoundError } from '../../src/memory/errors';

const ADDRESS = 'localhost:7233';

describe('toCliError', () => {
  it('gives input the client refused the usage exit code, with its message', () => {
    for (const error of [
      new InvalidSessionInputError('invalid session input: message: Too small'),
      new InvalidDreamInputError('invalid dream input: sessions: Required'),
    ]) {
      expect(toCliError(error, ADDRESS)).toMatchObject({ message: error.message, exitCode: ExitCode.usage });
    }
  });

  it('keeps the not-found code for a missing memory store and fails other errors with 1', () => {
    expect(toCliError(new MemoryNotFoundError('memory_store', 'memstore_x'), ADDRESS).exitCode).toBe(ExitCode.notFound);
    expect(toCliError(new SimulatedCrash('after_intent'), ADDRESS).exitCode).toBe(ExitCode.failed);
    expect(toCliError(new Error('boom'), ADDRESS)).toMatchObject({ message: 'boom', exitCode: ExitCode.failed });
  });
});
