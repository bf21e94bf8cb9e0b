/** How the acts write to the demo's output: act headings, sub-headings, the demo's own remarks, and plain text. */
import type { PrinterStream } from '../../../src/cli/event-printer';

export interface Output {
  stdout: PrinterStream;
}

export function heading(out: Output, text: string): void {
  out.stdout.write(`\n== ${text} ==\n`);
}

export function subheading(out: Output, text: string): void {
  out.stdout.write(`\n-- ${text}\n`);
}

export function say(out: Output, text: string): void {
  out.stdout.write(`[demo] ${text}\n`);
}

export function print(out: Output, text: string): void {
  out.stdout.write(`${text}\n`);
}

export function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `  ${line}` : line))
    .join('\n');
}
