/**
 * A question-and-answer exchange with the person at the terminal, for the CLI's interactive moments (reviewing a
 * dream's changes, answering a session's pending calls). The interface lets tests script the person.
 */
import readline from 'node:readline';
import type { InputStream } from './command';
import type { PrinterStream } from './event-printer';

export interface Conversation {
  show(text: string): void;
  /** Asks and waits for one line; null once the input has ended (Ctrl-D). */
  ask(question: string): Promise<string | null>;
}

/**
 * A conversation over a terminal: questions are written to `output`, answers read a line at a time from
 * `input` (in the terminal's own line mode, which echoes what is typed). `close()` releases the input. One
 * conversation should serve a whole command: lines read ahead by a closed one would be lost.
 */
export function terminalConversation(input: InputStream, output: PrinterStream): Conversation & { close(): void } {
  const lines = readline.createInterface({ input, terminal: false });
  const iterator = lines[Symbol.asyncIterator]();
  return {
    show: (text) => void output.write(text),
    async ask(question) {
      output.write(question);
      const next = await iterator.next();
      return next.done ? null : next.value;
    },
    close: () => lines.close(),
  };
}
