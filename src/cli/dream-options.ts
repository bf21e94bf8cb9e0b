/** Option checks shared by `lucid dreams start` and `lucid dreams schedule`. */
import { AGENT_NAME_PATTERN } from './agent-argument';
import { CommandUsageError } from './args';

type DreamCommandName = 'dreams start' | 'dreams schedule';

/** A required option, as a usage error naming it when missing or blank. */
export function requireOption(command: DreamCommandName, value: string | undefined, name: string): string {
  if (value === undefined || value.trim() === '') throw new CommandUsageError(`--${name} is required`, command);
  return value;
}

/** `--review auto|human`, or undefined when not given (the dream's own default then holds: human). */
export function parseReview(command: DreamCommandName, value: string | undefined): 'auto' | 'human' | undefined {
  if (value === undefined || value === 'auto' || value === 'human') return value;
  throw new CommandUsageError(`--review must be auto or human, got "${value}"`, command);
}

/** An agent name; checking it also keeps quotes out of the visibility query a scheduled dream runs. */
export function checkAgentName(command: DreamCommandName, name: string): string {
  if (!AGENT_NAME_PATTERN.test(name)) {
    throw new CommandUsageError(
      `--agent must be an agent name (letters, digits, ".", "_", "-"), got "${name}"`,
      command,
    );
  }
  return name;
}
