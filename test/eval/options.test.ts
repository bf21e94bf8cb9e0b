/**
 * The eval's command line (src/eval/options.ts): the flags docs/eval.md lists parse, and each bad one is a clear
 * EvalUsageError before anything starts.
 */
import path from 'node:path';
import { ARMS } from '../../src/eval/arms';
import { DEFAULT_MODEL, EvalUsageError, parseEvalOptions, scriptedKind } from '../../src/eval/options';

const noKey = {};
const withKey = { ANTHROPIC_API_KEY: 'sk-test-not-a-real-key' };

function usageError(args: string[], env: NodeJS.ProcessEnv = noKey): string {
  try {
    parseEvalOptions(args, env);
  } catch (error) {
    expect(error).toBeInstanceOf(EvalUsageError);
    return (error as Error).message;
  }
  throw new Error(`parsed: ${args.join(' ')}`);
}

describe('parseEvalOptions', () => {
  it('parses every flag of docs/eval.md', () => {
    const options = parseEvalOptions(
      [
        '--suite', 'evals/starter',
        '--arms', 'baseline, memory',
        '--trials', '3',
        '--model', 'claude-sonnet-4-6',
        '--grader-model', 'claude-haiku-4-5',
        '--concurrency', '4',
        '--out', 'eval-results/starter',
      ], // prettier-ignore
      withKey,
    );
    expect(options).toEqual({
      suiteDir: path.resolve('evals/starter'),
      arms: ['baseline', 'memory'],
      trials: 3,
      model: 'claude-sonnet-4-6',
      graderModel: 'claude-haiku-4-5',
      concurrency: 4,
      outDir: path.resolve('eval-results/starter'),
    });
  });

  it('defaults: all four arms, 1 trial, concurrency 2, the scripted oracle without a key', () => {
    const options = parseEvalOptions(['--suite', 'evals/starter'], noKey);
    expect(options).toMatchObject({ arms: [...ARMS], trials: 1, concurrency: 2, model: 'scripted:oracle' });
    expect(options.graderModel).toBe('scripted:oracle'); // a validation model grades itself
    expect(options.outDir.startsWith(path.resolve('eval-results') + path.sep)).toBe(true);
  });

  it('with a key, the default model is Claude, grading too', () => {
    expect(parseEvalOptions(['--suite', 's'], withKey)).toMatchObject({
      model: DEFAULT_MODEL,
      graderModel: DEFAULT_MODEL,
    });
  });

  it('accepts each validation model without a key, and drops repeated arms', () => {
    for (const kind of ['oracle', 'corrupted', 'learner', 'reviser']) {
      const options = parseEvalOptions(['--suite', 's', '--model', `scripted:${kind}`], noKey);
      expect(options.model).toBe(`scripted:${kind}`);
      expect(scriptedKind(options.model)).toBe(kind);
    }
    const options = parseEvalOptions(['--suite', 's', '--arms', 'memory,memory,baseline'], noKey);
    expect(options.arms).toEqual(['memory', 'baseline']);
  });

  it('requires --suite', () => {
    expect(usageError([])).toMatch(/^--suite DIR is required\nusage: eval --suite DIR/);
  });

  it('refuses an unknown arm, naming it and the arms', () => {
    expect(usageError(['--suite', 's', '--arms', 'baseline,dreams'])).toBe(
      'unknown arm(s) dreams: the arms are baseline, outcomes, memory, outcomes+memory',
    );
    expect(usageError(['--suite', 's', '--arms', 'baseline,'])).toMatch(/^unknown arm\(s\) \(empty\): the arms are/);
  });

  it.each([
    ['--trials', '0', 'from 1 to 1000, not 0'],
    ['--trials', '1.5', 'from 1 to 1000, not 1.5'],
    ['--trials', 'three', 'from 1 to 1000, not three'],
    ['--trials', '1001', 'from 1 to 1000, not 1001'],
    ['--concurrency', '0', 'from 1 to 64, not 0'],
    ['--concurrency', '65', 'from 1 to 64, not 65'],
  ])('refuses %s %s', (flag, value, expected) => {
    expect(usageError(['--suite', 's', flag, value])).toBe(`${flag} must be a whole number ${expected}`);
  });

  it('refuses an unknown validation model as unknown, with or without a key', () => {
    const expected = 'unknown validation model scripted:xyz: scripted:oracle|corrupted|learner|reviser';
    expect(usageError(['--suite', 's', '--model', 'scripted:xyz'], noKey)).toBe(expected);
    expect(usageError(['--suite', 's', '--model', 'scripted:xyz'], withKey)).toBe(expected);
  });

  it('refuses a Claude model without ANTHROPIC_API_KEY', () => {
    expect(usageError(['--suite', 's', '--model', 'claude-sonnet-4-6'])).toMatch(
      /^--model claude-sonnet-4-6 needs ANTHROPIC_API_KEY/,
    );
  });

  it('refuses an unknown flag or a positional argument with the usage', () => {
    expect(usageError(['--suite', 's', '--trails', '3'])).toMatch(/--trails.*\nusage: eval --suite DIR/s);
    expect(usageError(['--suite', 's', 'extra'])).toMatch(/extra.*\nusage: eval --suite DIR/s);
  });
});

describe('scriptedKind', () => {
  it('is the kind of a validation model, and null for any other model', () => {
    expect(scriptedKind('scripted:learner')).toBe('learner');
    expect(scriptedKind('scripted:xyz')).toBeNull();
    expect(scriptedKind('claude-sonnet-4-6')).toBeNull();
  });
});
