/** The one error hierarchy: names, codes, faults, and isInstance across two copies of the module. */
import { InvalidAgentError, InvalidSessionInputError, LucidError, SimulatedCrash } from '../src/errors';
import type * as ErrorsModule from '../src/errors';
import * as errorsModule from '../src/errors';
import * as memoryErrors from '../src/memory/errors';
import * as recordError from '../src/storage/record-error';
import * as sandbox from '../src/workspace/sandbox';
import { CliError, UsageError } from '../src/cli/errors';
import { FailureType } from '../src/domain/failure-types';
import { MemoryError, MemoryNotFoundError, MemoryStoreBusyError } from '../src/memory/errors';
import { ScenarioError } from '../src/scripted-model/scenario';
import { WorkerSettingsError } from '../src/worker-settings';
import { WorkspaceError } from '../src/workspace/sandbox';

/** A fresh copy of src/errors.ts, as the workflow bundle holds: its classes are not the ones imported above. */
function secondCopy(): typeof ErrorsModule {
  let copy: typeof ErrorsModule | undefined;
  jest.isolateModules(() => {
    copy = jest.requireActual<typeof ErrorsModule>('../src/errors');
  });
  return copy!;
}

describe('LucidError', () => {
  it('takes its name from the class, and its failure type from the name without "Error"', () => {
    const error = new InvalidAgentError('agent "x" not found');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'InvalidAgentError', code: 'invalid_agent', fault: 'user_input' });
    expect(error.failureType).toBe(FailureType.InvalidAgent);
    expect(new MemoryNotFoundError('memory_store', 'memstore_x').failureType).toBe(FailureType.MemoryNotFound);
  });

  it('keeps the cause it wraps', () => {
    const cause = new MemoryNotFoundError('memory_store', 'memstore_x');
    const error = new InvalidSessionInputError(`invalid session input: ${cause.message}`, { cause });
    expect(error.cause).toBe(cause);
    expect(error.failureType).toBe(FailureType.InvalidSessionInput);
  });

  it('gives every error class that can cross the activity boundary a type from the failure-type list', () => {
    // Every LucidError class exported by the modules whose errors activities throw; the CLI's, the scenario's and
    // the worker settings' never run inside an activity.
    const modules = [errorsModule, memoryErrors, sandbox, recordError];
    const classes = modules
      .flatMap((module) => Object.values(module))
      .filter((value): value is abstract new (...args: never[]) => LucidError => typeof value === 'function')
      .filter((value) => value.prototype instanceof LucidError && value !== MemoryError);
    expect(classes.length).toBeGreaterThanOrEqual(17);
    const types: string[] = Object.values(FailureType);
    const missing = classes.map((value) => value.name.replace(/Error$/, '')).filter((type) => !types.includes(type));
    expect(missing).toEqual([]);
  });

  it('is the base of every family', () => {
    const families: LucidError[] = [
      new WorkspaceError('not_found', 'No such file'),
      new MemoryNotFoundError('memory', 'mem_x'),
      new CliError('failed', 1),
      new UsageError('unknown option'),
      new WorkerSettingsError('LUCID_X must be a whole number'),
      new ScenarioError('invalid scenario'),
      new SimulatedCrash('after_intent'),
    ];
    for (const error of families) {
      expect(LucidError.isInstance(error)).toBe(true);
      expect(error.name).toBe(error.constructor.name);
      expect(typeof error.code).toBe('string');
    }
    expect(new WorkspaceError('not_found', 'x').fault).toBe('model');
    expect(new UsageError('x')).toMatchObject({ code: 'usage_error', exitCode: 2, fault: 'user_input' });
    expect(new MemoryStoreBusyError('memstore_x', 3).fault).toBe('system');
    expect(new SimulatedCrash('version_written')).toMatchObject({ fault: 'system', point: 'version_written' });
  });
});

describe('LucidError.isInstance', () => {
  it('recognises an error made by a second copy of the module, where instanceof does not', () => {
    const copy = secondCopy();
    expect(copy.LucidError).not.toBe(LucidError);
    const foreign = new copy.InvalidAgentError('from the bundle');
    expect(foreign instanceof LucidError).toBe(false);
    expect(LucidError.isInstance(foreign)).toBe(true);
    expect(InvalidAgentError.isInstance(foreign)).toBe(true);
    expect(copy.LucidError.isInstance(new InvalidAgentError('from here'))).toBe(true);
  });

  it('called on a subclass, matches that subclass and its own subclasses only', () => {
    const copy = secondCopy();
    expect(SimulatedCrash.isInstance(new copy.SimulatedCrash('after_rename'))).toBe(true);
    expect(SimulatedCrash.isInstance(new copy.InvalidAgentError('x'))).toBe(false);
    expect(MemoryError.isInstance(new MemoryNotFoundError('memory', 'mem_x'))).toBe(true);
    expect(MemoryError.isInstance(new WorkspaceError('not_found', 'x'))).toBe(false);
    expect(CliError.isInstance(new UsageError('x'))).toBe(true);
    expect(UsageError.isInstance(new CliError('x', 1))).toBe(false);
  });

  it('says no to look-alikes without the brand', () => {
    const lookalike = Object.assign(new Error('x'), { name: 'InvalidAgentError', code: 'invalid_agent' });
    for (const value of [lookalike, { name: 'LucidError' }, null, undefined, 'InvalidAgentError', 42]) {
      expect(LucidError.isInstance(value)).toBe(false);
      expect(InvalidAgentError.isInstance(value)).toBe(false);
    }
  });
});
