/**
 * Commands made of subcommands (`lucid memory write …`, `lucid dreams review …`): the first argument picks the
 * subcommand, which parses the rest.
 */
import type { Command } from './command';
import { UsageError } from './errors';

/** A usage error about the subcommand itself (missing or unknown); main prints the group's usage after it. */
export class SubcommandUsageError extends UsageError {
  constructor(
    message: string,
    /** `memory`, `dreams` or `dreams schedule`. */
    readonly group: string,
  ) {
    super(message);
    this.name = 'SubcommandUsageError';
  }
}

/**
 * A command that hands its arguments, minus the first, to the subcommand the first names. A missing or unknown
 * subcommand is a usage error that lists the group's subcommands.
 */
export function commandGroup(group: string, subcommands: Record<string, Command>): Command {
  return async (args, context) => {
    const [name, ...rest] = args;
    if (name === undefined || !Object.hasOwn(subcommands, name)) {
      const problem = name === undefined ? `"${group}" needs a subcommand` : `unknown subcommand "${group} ${name}"`;
      throw new SubcommandUsageError(problem, group);
    }
    return subcommands[name](rest, context);
  };
}
