/**
 * The `<agent>` argument of `lucid run`: the name of a definition in the workers' agents folder, or the path of
 * a JSON file with an inline definition. A path is recognised by its form (ends in `.json`, or has a slash) so
 * that a stray file in the current folder never shadows an agent name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AgentDefinitionSchema, type AgentDefinition } from '../domain/agent-definition';
import { describeIssues } from '../domain/session-input';
import { CommandUsageError } from './args';
import { CliError, ExitCode } from './errors';

/** Agent names as the workers accept them (src/activities/session.ts). */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** True when the argument names a file rather than an agent. */
export function isAgentFilePath(argument: string): boolean {
  return argument.endsWith('.json') || argument.includes('/') || argument.includes(path.sep);
}

/**
 * The agent to start: a name, passed on for the worker to load, or an inline definition read and validated
 * here, so a mistake in the file is reported before any session starts (exit code 2).
 */
export function resolveAgentArgument(argument: string, cwd: string = process.cwd()): string | AgentDefinition {
  if (!isAgentFilePath(argument)) {
    if (!AGENT_NAME_PATTERN.test(argument)) {
      throw new CommandUsageError(
        `"${argument}" is neither an agent name (letters, digits, ".", "_", "-") nor a path to a .json file`,
        'run',
      );
    }
    return argument;
  }
  return readAgentFile(path.resolve(cwd, argument), argument);
}

function readAgentFile(file: string, shownAs: string): AgentDefinition {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new CliError(`cannot read agent file ${shownAs}: ${reason}`, ExitCode.usage);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`agent file ${shownAs} is not valid JSON: ${(error as Error).message}`, ExitCode.usage);
  }
  const parsed = AgentDefinitionSchema.safeParse(json);
  if (!parsed.success) {
    throw new CliError(`invalid agent definition in ${shownAs}: ${describeIssues(parsed.error)}`, ExitCode.usage);
  }
  return parsed.data;
}
