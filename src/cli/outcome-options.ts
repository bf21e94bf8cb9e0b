/**
 * The outcome flags of `lucid run` and `lucid outcome`: `--rubric FILE`, `--max-iterations N`, `--hide-rubric`,
 * `--grader-model MODEL`. The rubric file is read here, on the machine where the command runs, and sent as a
 * text rubric: the worker may run elsewhere, without this filesystem. Everything is checked against
 * OutcomeDefinitionSchema before anything is sent, so a mistake fails at once with exit code 2.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import {
  MAX_MAX_ITERATIONS,
  MAX_RUBRIC_CHARS,
  OutcomeDefinitionSchema,
  type OutcomeDefinition,
} from '../domain/outcome';
import { CommandUsageError, parseIntegerOption } from './args';
import { CliError, ExitCode } from './errors';
import { formatCount } from './text';
import type { CommandName } from './usage';

/** The option declarations both commands share (node:util parseArgs format). */
export const OUTCOME_OPTIONS = {
  rubric: { type: 'string' },
  'max-iterations': { type: 'string' },
  'hide-rubric': { type: 'boolean' },
  'grader-model': { type: 'string' },
} as const;

/** The parsed values of {@link OUTCOME_OPTIONS}. */
export interface OutcomeFlags {
  rubric?: string;
  'max-iterations'?: string;
  'hide-rubric'?: boolean;
  'grader-model'?: string;
}

/** What the outcome's description is and which flag gave it, so an error can name the flag. */
export interface OutcomeDescription {
  text: string;
  /** `--outcome` for run, `--description` for outcome; for run the message stands in when it is absent. */
  flag: string;
}

/** The fewest evaluations an outcome may allow (OutcomeDefinitionSchema's lower bound). */
const MIN_MAX_ITERATIONS = 1;
/** UTF-8 takes at most 4 bytes a character: a larger file is over the limit without being read. */
const MAX_RUBRIC_BYTES = MAX_RUBRIC_CHARS * 4;

/** The outcome flags given on the command line, by their names (`--max-iterations`, ...), without `--rubric`. */
export function outcomeFlagsGiven(flags: OutcomeFlags): string[] {
  const given: string[] = [];
  if (flags['max-iterations'] !== undefined) given.push('--max-iterations');
  if (flags['hide-rubric'] !== undefined) given.push('--hide-rubric');
  if (flags['grader-model'] !== undefined) given.push('--grader-model');
  return given;
}

/**
 * Builds the outcome from the flags (`flags.rubric` must be set) and validates it. Throws a usage error
 * (exit code 2) naming the flag at fault: an unreadable, empty or oversized rubric file, a bad
 * `--max-iterations`, an empty description.
 */
export function readOutcome(
  command: CommandName,
  flags: OutcomeFlags & { rubric: string },
  description: OutcomeDescription,
  cwd: string = process.cwd(),
): OutcomeDefinition {
  if (description.text.trim().length === 0) {
    throw new CommandUsageError(`the outcome description (${description.flag}) must not be empty`, command);
  }
  const maxIterations = flags['max-iterations'];
  const parsed = OutcomeDefinitionSchema.safeParse({
    description: description.text,
    rubric: { type: 'text', content: readRubricFile(path.resolve(cwd, flags.rubric), flags.rubric) },
    max_iterations:
      maxIterations === undefined
        ? undefined
        : parseIntegerOption(command, 'max-iterations', maxIterations, {
            min: MIN_MAX_ITERATIONS,
            max: MAX_MAX_ITERATIONS,
          }),
    hide_rubric: flags['hide-rubric'],
    grader_model: flags['grader-model'],
  });
  if (!parsed.success) {
    throw new CommandUsageError(
      `invalid outcome: ${describeOutcomeIssues(parsed.error, flags.rubric, description.flag)}`,
      command,
    );
  }
  return parsed.data;
}

/** The rubric's text; a missing, unreadable, empty or oversized file is a usage error. */
function readRubricFile(file: string, shownAs: string): string {
  let text: string;
  try {
    const { size } = fs.statSync(file);
    if (size > MAX_RUBRIC_BYTES) {
      throw new CliError(
        `rubric file ${shownAs} is too large (at most ${formatCount(MAX_RUBRIC_CHARS)} characters)`,
        ExitCode.usage,
      );
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    throw new CliError(`cannot read rubric file ${shownAs}: ${reason}`, ExitCode.usage);
  }
  if (text.trim().length === 0) throw new CliError(`rubric file ${shownAs} is empty`, ExitCode.usage);
  return text;
}

/** Schema issues named by the flag a user typed (`--rubric notes.md: Too big: …`), not by the input field. */
function describeOutcomeIssues(error: z.ZodError, rubricFile: string, descriptionFlag: string): string {
  const flagOfField: Record<string, string> = {
    description: descriptionFlag,
    rubric: `--rubric ${rubricFile}`,
    max_iterations: '--max-iterations',
    hide_rubric: '--hide-rubric',
    grader_model: '--grader-model',
  };
  return error.issues
    .map((issue) => {
      const field = String(issue.path[0] ?? '');
      return `${flagOfField[field] ?? (issue.path.join('.') || '(outcome)')}: ${issue.message}`;
    })
    .join('; ');
}
