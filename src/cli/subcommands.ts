/**
 * Commands made of subcommands (`lucid memory write …`, `lucid dreams review …`): the first argument picks the
 * subcommand, which parses the rest.
 */
import type { Command } from './command';
import { UsageError } from './errors';
import { unknownNameError } from './suggest';

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
 * A command that hands its arguments, minus the first, to the subcommand the first names. A missing subcommand
 * is a usage error that lists the group's subcommands; an unknown one gets one line naming the closest.
 */
export function commandGroup(group: string, subcommands: Record<string, Command>): Command {
  return async (args, context) => {
    const [name, ...rest] = args;
    if (name === undefined) throw new SubcommandUsageError(`"${group}" needs a subcommand`, group);
    if (!Object.hasOwn(subcommands, name)) {
      const known = Object.keys(subcommands);
      throw unknownNameError({ kind: 'command', name, known, prefix: `${group} `, help: `lucid ${group} --help` });
    }
    return subcommands[name](rest, context);
  };
}
