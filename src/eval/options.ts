/** The options of `npm run eval --` and `lucid eval`, parsed and checked before anything starts. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LucidError } from '../errors';
import { VALIDATION_MODELS, type ValidationModel } from '../scripted-model/eval-players';
import { ARMS, type Arm } from './arms';

export const EVAL_USAGE =
  'eval --suite DIR [--arms baseline,outcomes,memory,outcomes+memory] [--trials N] [--model M]\n' +
  '     [--grader-model M] [--concurrency N] [--out DIR]\n' +
  '  --model scripted:oracle|scripted:corrupted|scripted:learner|scripted:reviser: validation models, no key needed';

export class EvalUsageError extends LucidError {
  readonly code = 'invalid_eval_options';
  readonly fault = 'user_input';
}

export interface EvalOptions {
  suiteDir: string;
  arms: Arm[];
  trials: number;
  /** `scripted:<kind>`, or a Claude model (ANTHROPIC_API_KEY must be set). */
  model: string;
  graderModel: string;
  concurrency: number;
  outDir: string;
}

/** The agent's model by default with a key. */
export const DEFAULT_MODEL = 'claude-sonnet-4-6';

export function parseEvalOptions(args: string[], env: NodeJS.ProcessEnv = process.env): EvalOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        suite: { type: 'string' },
        arms: { type: 'string', default: ARMS.join(',') },
        trials: { type: 'string', default: '1' },
        model: { type: 'string' },
        'grader-model': { type: 'string' },
        concurrency: { type: 'string', default: '2' },
        out: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new EvalUsageError(`${(error as Error).message}\nusage: ${EVAL_USAGE}`);
  }
  if (!values.suite) throw new EvalUsageError(`--suite DIR is required\nusage: ${EVAL_USAGE}`);
  const arms = values.arms.split(',').map((arm) => arm.trim());
  const unknown = arms.filter((arm) => !(ARMS as readonly string[]).includes(arm));
  if (unknown.length || !arms.length)
    throw new EvalUsageError(
      `unknown arm(s) ${unknown.map((arm) => arm || '(empty)').join(', ')}: the arms are ${ARMS.join(', ')}`,
    );
  const model = values.model ?? (env.ANTHROPIC_API_KEY ? DEFAULT_MODEL : 'scripted:oracle');
  // The unknown-validation-model check comes first: without a key, `scripted:xyz` would be told it needs one.
  if (model.startsWith('scripted:') && !scriptedKind(model))
    throw new EvalUsageError(`unknown validation model ${model}: scripted:${VALIDATION_MODELS.join('|')}`);
  if (!scriptedKind(model) && !env.ANTHROPIC_API_KEY)
    throw new EvalUsageError(
      `--model ${model} needs ANTHROPIC_API_KEY (or use one of scripted:${VALIDATION_MODELS.join('|')})`,
    );
  return {
    suiteDir: path.resolve(values.suite),
    arms: [...new Set(arms)] as Arm[],
    trials: positive('--trials', values.trials, 1000),
    model,
    graderModel: values['grader-model'] ?? (scriptedKind(model) ? model : DEFAULT_MODEL),
    concurrency: positive('--concurrency', values.concurrency, 64),
    outDir: path.resolve(values.out ?? path.join('eval-results', new Date().toISOString().replace(/[:.]/g, '-'))),
  };
}

/** `scripted:learner` → `learner`; null for any other model. */
export function scriptedKind(model: string): ValidationModel | null {
  const kind = model.startsWith('scripted:') ? model.slice('scripted:'.length) : '';
  return (VALIDATION_MODELS as readonly string[]).includes(kind) ? (kind as ValidationModel) : null;
}

function positive(flag: string, text: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new EvalUsageError(`${flag} must be a whole number from 1 to ${max}, not ${text}`);
  return value;
}
