/**
 * The `lucid` command: dispatches to one module per command (./commands), prints errors as one clear line, and
 * exits with the codes listed in ./errors.ts. Run it with `npm run lucid -- <command>` or `bin/lucid.js`.
 */
import { redactText, secretsFromEnvironment } from '../domain/redact';
import { CommandUsageError } from './args';
import type { Command, CommandContext, InputStream } from './command';
import { approveCommand, denyCommand } from './commands/confirm';
import { dreamsCommand } from './commands/dreams';
import { evalCommand } from './commands/eval';
import { eventsCommand } from './commands/events';
import { interruptCommand } from './commands/interrupt';
import { memoryCommand } from './commands/memory';
import { outcomeCommand } from './commands/outcome';
import { pendingCommand } from './commands/pending';
import { runCommand } from './commands/run';
import { sendCommand } from './commands/send';
import { sessionsCommand } from './commands/sessions';
import { statusCommand } from './commands/status';
import { threadsCommand } from './commands/threads';
import { toolResultCommand } from './commands/tool-result';
import { configuredAddress, connectToTemporal, type Connected } from './connect';
import { ExitCode, toCliError, UsageError, type ExitCodeValue } from './errors';
import type { PrinterStream } from './event-printer';
import { SubcommandUsageError } from './subcommands';
import { unknownNameError } from './suggest';
import { COMMAND_USAGE, formatUsage, groupUsage, USAGE, usageFor } from './usage';

const COMMANDS = {
  run: runCommand,
  sessions: sessionsCommand,
  events: eventsCommand,
  threads: threadsCommand,
  send: sendCommand,
  interrupt: interruptCommand,
  'tool-result': toolResultCommand,
  pending: pendingCommand,
  approve: approveCommand,
  deny: denyCommand,
  outcome: outcomeCommand,
  status: statusCommand,
  memory: memoryCommand,
  dreams: dreamsCommand,
  eval: evalCommand,
} satisfies Record<string, Command>;

type TopLevelCommandName = keyof typeof COMMANDS;

const HELP_WORDS = new Set(['help', '--help', '-h']);

export interface CliStreams {
  stdout: PrinterStream;
  stderr: PrinterStream;
  /** For interactive commands; `process.stdin` when run as `lucid`. */
  stdin?: InputStream;
}

/** Runs one command line (without `node` and the script) and returns the exit code; never throws. */
export async function runCli(argv: string[], streams: CliStreams = process): Promise<ExitCodeValue> {
  const [name, ...args] = argv;
  if (name === undefined || HELP_WORDS.has(name)) {
    streams.stdout.write(USAGE);
    return ExitCode.ok;
  }
  if (!isCommandName(name)) {
    const known = [...Object.keys(COMMANDS), 'help'];
    const error = unknownNameError({ kind: 'command', name, known, help: 'lucid help' });
    streams.stderr.write(`lucid: ${error.message}\n`);
    return ExitCode.usage;
  }
  if (asksForHelp(args)) {
    streams.stdout.write(formatUsage(usageFor(name, args)));
    return ExitCode.ok;
  }
  let connected: Connected | undefined;
  const context: CommandContext = {
    stdout: streams.stdout,
    stderr: streams.stderr,
    stdin: streams.stdin,
    connect: async () => (connected ??= await connectToTemporal()),
  };
  try {
    return await COMMANDS[name](args, context);
  } catch (error) {
    return reportError(error, streams.stderr, connected?.address ?? configuredAddress());
  } finally {
    await connected?.close().catch(() => {});
  }
}

/** Runs the command line of this process and exits with its code (once everything written is flushed). */
export async function runCliAndExit(argv: string[] = process.argv.slice(2)): Promise<never> {
  exitQuietlyWhenStdoutCloses();
  const code = await runCli(argv);
  const flushed = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  // Explicit exit: a gRPC channel or timer left behind by the SDK must not keep a finished command alive.
  process.exit(code);
}

/**
 * `lucid events <id> | head` closes the pipe after ten lines; writing more then fails with EPIPE. The reader has
 * all it wanted, so that is a normal end, not a crash with a stack trace.
 */
function exitQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(ExitCode.ok);
  });
}

function isCommandName(name: string): name is TopLevelCommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** `--help` or `-h` among a command's options (not after `--`, where it would be a message). */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

function reportError(error: unknown, stderr: PrinterStream, address: string): ExitCodeValue {
  const cliError = toCliError(error, address);
  // Errors can quote requests or settings; never echo a credential from this process's environment.
  stderr.write(`lucid: ${redactText(cliError.message, secretsFromEnvironment())}\n`);
  if (cliError instanceof CommandUsageError) {
    stderr.write(`usage: ${COMMAND_USAGE[cliError.command]}\n(lucid help: all commands)\n`);
  } else if (cliError instanceof SubcommandUsageError) {
    stderr.write(`${formatUsage(groupUsage(cliError.group))}(lucid help: all commands)\n`);
  } else if (cliError instanceof UsageError) {
    stderr.write(`\n${USAGE}`);
  }
  if (process.env.LUCID_DEBUG && error instanceof Error && error !== cliError) {
    stderr.write(`${redactText(error.stack ?? '', secretsFromEnvironment())}\n`);
  }
  return cliError.exitCode;
}

if (require.main === module) void runCliAndExit();
