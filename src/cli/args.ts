/**
 * Command-line parsing on top of node:util `parseArgs`, turning its errors (and missing or extra arguments)
 * into {@link UsageError}s that name the command, so the user sees that command's synopsis.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors';
import { unknownNameError, type UnknownNameError } from './suggest';
import type { CommandName } from './usage';

/** A usage error of one command; main prints the command's synopsis after the message (exit code 2). */
export class CommandUsageError extends UsageError {
  constructor(
    message: string,
    readonly command: CommandName,
  ) {
    super(message);
    this.name = 'CommandUsageError';
  }
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

type OptionValue<Option> = Option extends { type: 'boolean' } ? boolean : string;

/** The parsed options of a command: strings and booleans as declared, arrays of them for `multiple: true`. */
export type OptionValues<Options extends OptionsConfig> = {
  [Name in keyof Options]?: Options[Name] extends { multiple: true }
    ? OptionValue<Options[Name]>[]
    : OptionValue<Options[Name]>;
};

export interface ParsedArguments<Options extends OptionsConfig> {
  /** Positional arguments by the names given, all present. */
  positionals: string[];
  options: OptionValues<Options>;
}

/** Most extra arguments are an unquoted text: say which one to quote. */
const EXTRA_ARGUMENT_HINTS: Partial<Record<CommandName, string>> = {
  run: ' (quote the message: "...")',
  send: ' (quote the message: "...")',
  outcome: ' (quote the description: --description "...")',
};

/**
 * Parses `args` for `command`: every option must be declared, and there must be exactly as many positional
 * arguments as `positionalNames` (named in the error message when missing). A name ending in `?` is optional;
 * optional names come last.
 */
export function parseCommandArguments<Options extends OptionsConfig>(
  command: CommandName,
  args: string[],
  options: Options,
  positionalNames: readonly string[] = [],
): ParsedArguments<Options> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw unknownOptionError(command, error, options) ?? new CommandUsageError((error as Error).message, command);
  }
  const { positionals } = parsed;
  const required = positionalNames.filter((name) => !name.endsWith('?'));
  if (positionals.length < required.length) {
    const missing = required.slice(positionals.length).map((name) => `<${name}>`);
    throw new CommandUsageError(`missing ${missing.join(' and ')}`, command);
  }
  if (positionals.length > positionalNames.length) {
    const extra = positionals.slice(positionalNames.length).map((value) => JSON.stringify(value));
    const hint = EXTRA_ARGUMENT_HINTS[command] ?? '';
    throw new CommandUsageError(`unexpected argument ${extra.join(' ')}${hint}`, command);
  }
  return { positionals, options: parsed.values as OptionValues<Options> };
}

/** parseArgs' "Unknown option '--fo'. To specify a positional argument ..." as one line with a suggestion. */
function unknownOptionError(command: CommandName, error: unknown, options: OptionsConfig): UnknownNameError | null {
  if ((error as { code?: string }).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return null;
  const option = /Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
  if (option === undefined) return null;
  const known = [...Object.keys(options).map((name) => `--${name}`), '--help'];
  return unknownNameError({
    kind: 'option',
    name: option,
    known,
    context: ` for lucid ${command}`,
    help: `lucid ${command} --help`,
  });
}

/** Parses an integer option within bounds, or throws a usage error naming the option. */
export function parseIntegerOption(
  command: CommandName,
  name: string,
  value: string,
  { min, max }: { min: number; max: number },
): number {
  const number = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new CommandUsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`, command);
  }
  return number;
}

/**
 * A comma-separated list option (`--sessions a,b,c`, `--approve chg_1,chg_2`) as its non-empty items. An option
 * given several times adds up (`--approve chg_1 --approve chg_2`).
 */
export function parseListOption(command: CommandName, name: string, values: string | string[] | undefined): string[] {
  if (values === undefined) return [];
  const items = (Array.isArray(values) ? values : [values])
    .flatMap((value) => value.split(','))
    .map((item) => item.trim());
  if (items.some((item) => item === ''))
    throw new CommandUsageError(`--${name} has an empty item; give ID,ID,...`, command);
  return items;
}

/** Rejects an empty or blank message before anything is sent. */
export function requireMessage(command: CommandName, message: string): string {
  if (message.trim().length === 0) throw new CommandUsageError('the message must not be empty', command);
  return message;
}
