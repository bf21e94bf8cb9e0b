/** What every `lucid` command is given and returns. */
import type { Connected } from './connect';
import type { ExitCodeValue } from './errors';
import type { PrinterStream } from './event-printer';

/** Where an interactive command reads answers from: a terminal (`isTTY`) or not. */
export type InputStream = NodeJS.ReadableStream & { isTTY?: boolean };

export interface CommandContext {
  stdout: PrinterStream;
  stderr: PrinterStream;
  /** Read only by interactive commands (`dreams review` without decision flags); absent when there is none. */
  stdin?: InputStream;
  /**
   * Connects to Temporal on first use (later calls share the connection; main closes it). Commands call it
   * only after their arguments are checked, so a usage error never waits on the network.
   */
  connect(): Promise<Connected>;
}

/** A command: parses its own arguments, does its work, and returns the exit code. */
export type Command = (args: string[], context: CommandContext) => Promise<ExitCodeValue>;
