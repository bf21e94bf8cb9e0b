/** What every `lucid` command is given and returns. */
import type { Connected } from './connect';
import type { ExitCodeValue } from './errors';
import type { PrinterStream } from './event-printer';

export interface CommandContext {
  stdout: PrinterStream;
  stderr: PrinterStream;
  /**
   * Connects to Temporal on first use (later calls share the connection; main closes it). Commands call it
   * only after their arguments are checked, so a usage error never waits on the network.
   */
  connect(): Promise<Connected>;
}

/** A command: parses its own arguments, does its work, and returns the exit code. */
export type Command = (args: string[], context: CommandContext) => Promise<ExitCodeValue>;
